// The `shrink` command line (Node). Errors users can fix print one line and
// exit 2; anything else is a bug and prints its stack (exit 1).
import { trainCommand, TRAIN_HELP } from "./commands/train";
import { evalCommand, EVAL_HELP } from "./commands/eval";
import { pruneCommand, PRUNE_HELP } from "./commands/prune";
import { inspectCommand, INSPECT_HELP } from "./commands/inspect";
import { ShrinkError } from "../io/errors";

const HELP = `Usage: shrink <command> [options]

Train and sparsify neural networks with a SIMD WebAssembly engine.

Commands:
  prune     Prune while training (S-LATS by default) and report per-layer sparsity
  train     Train a model densely (linear or mlp) on Fashion-MNIST
  eval      Evaluate a saved model (.safetensors) on the test set
  inspect   Sparsity, PQ Index and Gini index of every tensor of a safetensors file

Run "shrink <command> --help" for a command's options.
`;

const COMMANDS: Record<string, (argv: string[], signal: AbortSignal) => Promise<void>> = {
  prune: pruneCommand,
  train: trainCommand,
  eval: (argv) => evalCommand(argv),
  inspect: (argv) => inspectCommand(argv),
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "--help" || cmd === "-h" || cmd === "help") {
    process.stdout.write(HELP);
    return cmd ? 0 : 2;
  }
  const run = COMMANDS[cmd];
  if (!run) {
    process.stderr.write(`shrink: unknown command "${cmd}" (commands: ${Object.keys(COMMANDS).join(", ")})\n`);
    return 2;
  }
  const ac = new AbortController();
  const onSig = () => ac.abort(new ShrinkError("E_ABORT", "interrupted"));
  process.once("SIGINT", onSig);
  try {
    await run(rest, ac.signal);
    return 0;
  } catch (err) {
    if (err instanceof ShrinkError) {
      // Clear a progress bar first so the error stands on its own line.
      process.stderr.write(`${process.stderr.isTTY ? "\r\x1b[2K" : ""}shrink ${cmd}: ${err.message}\n`);
      return err.code === "E_ABORT" ? 130 : 2;
    }
    throw err;
  } finally {
    process.off("SIGINT", onSig);
  }
}

export { TRAIN_HELP, EVAL_HELP, PRUNE_HELP, INSPECT_HELP };
