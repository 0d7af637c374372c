// The `shrink` command line (Node). Errors users can fix print one line and
// exit 2; anything else is a bug and prints its stack (exit 1).
import { trainCommand, TRAIN_HELP } from "./commands/train.js";
import { evalCommand, EVAL_HELP, OPTIONS as EVAL_OPTIONS } from "./commands/eval.js";
import { pruneCommand, PRUNE_HELP, OPTIONS as PRUNE_OPTIONS } from "./commands/prune.js";
import { inspectCommand, INSPECT_HELP, OPTIONS as INSPECT_OPTIONS } from "./commands/inspect.js";
import { TRAIN_OPTIONS } from "./commands/train-options.js";
import { exportCommand, EXPORT_HELP, OPTIONS as EXPORT_OPTIONS } from "./commands/export.js";
import { inferCommand, INFER_HELP, OPTIONS as INFER_OPTIONS } from "./commands/infer.js";
import { benchCommand, BENCH_HELP, OPTIONS as BENCH_OPTIONS } from "./commands/bench-model.js";
import { slimCommand, SLIM_HELP, OPTIONS as SLIM_OPTIONS } from "./commands/slim.js";
import { recipeCommand, rerunCommand, RECIPE_HELP, RERUN_HELP, RERUN_OPTIONS } from "./commands/recipe.js";
import { studioCommand, STUDIO_HELP, OPTIONS as STUDIO_OPTIONS } from "./commands/studio.js";
import { ShrinkError } from "../engine/errors.js";
import type { OptSpecs } from "./args.js";

const HELP = `Usage: shrink <command> [options]

Train and sparsify neural networks with a SIMD WebAssembly engine.

Commands:
  prune     Prune while training (S-LATS by default) and report per-layer sparsity
  train     Train a model densely (linear, mlp, cnn, resnet18, mobilenet-v1, or --arch FILE.json|.onnx) on Fashion-MNIST, MNIST or CIFAR
  eval      Evaluate a saved model (.safetensors, .onnx) on the test set
  inspect   Sparsity, PQ Index and Gini index of every tensor of a safetensors or ONNX file
  export    Write a model as ONNX, shrink's safetensors or a sparse file
  infer     Predict with a model (sparse layers where they pay): test accuracy and latency, or an IDX file's classes
  bench     A model's latency dense vs sparse, per layer, and its file sizes
  slim      Remove dead channels (after --scope channel): a smaller dense model with the same outputs
  recipe    Print the recipe (JSON) of a train or prune command line, for --recipe
  rerun     Run again the recipe a saved model embeds and check the weights come out the same
  studio    Serve the studio on 127.0.0.1: prune in the browser with no code, live charts, downloads

Run "shrink <command> --help" for a command's options.
`;

const OPTIONS_OF: Record<string, OptSpecs> = { prune: PRUNE_OPTIONS, train: TRAIN_OPTIONS, eval: EVAL_OPTIONS, inspect: INSPECT_OPTIONS, export: EXPORT_OPTIONS, infer: INFER_OPTIONS, bench: BENCH_OPTIONS, slim: SLIM_OPTIONS, rerun: RERUN_OPTIONS, studio: STUDIO_OPTIONS };
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The library names parameters as its API does (weightDecay, maxRatio, p/q);
 * the CLI says them as the flags the user typed (--weight-decay, --max-ratio, --p/--q).
 */
export function cliMessage(err: ShrinkError, cmd: string): string {
  const specs = OPTIONS_OF[cmd] ?? {};
  const flag = (name: string) => (specs[name] ? name : specs[kebab(name)] ? kebab(name) : null);
  if (!err.param) return err.message;
  const m = /^[A-Za-z][A-Za-z0-9]*(?:\/[A-Za-z][A-Za-z0-9]*)*/.exec(err.message);
  if (!m) return err.message; // e.g. a file name first (an architecture file's JSON path)
  const names = m[0].split("/").map(flag);
  if (names.some((n) => n === null)) return err.message;
  return names.map((n) => `--${n}`).join("/") + err.message.slice(m[0].length);
}

function ignoreStreamErrors(s: NodeJS.WriteStream): void {
  if (s.listenerCount("error") === 0) s.on("error", () => {});
}

const COMMANDS: Record<string, (argv: string[], signal: AbortSignal) => Promise<void>> = {
  prune: pruneCommand,
  train: trainCommand,
  eval: (argv) => evalCommand(argv),
  inspect: (argv) => inspectCommand(argv),
  export: (argv) => exportCommand(argv),
  infer: (argv) => inferCommand(argv),
  bench: (argv) => benchCommand(argv),
  slim: (argv) => slimCommand(argv),
  recipe: (argv) => recipeCommand(argv),
  rerun: rerunCommand,
  studio: studioCommand,
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
  // SIGTERM ends a run like Ctrl-C: between batches, through every finally (logs closed, temp files removed).
  process.once("SIGINT", onSig);
  process.once("SIGTERM", onSig);
  // Progress output is a courtesy: a reader that goes away (a closed pipe, EPIPE)
  // must not kill a run that can still save its model.
  ignoreStreamErrors(process.stderr);
  ignoreStreamErrors(process.stdout);
  try {
    await run(rest, ac.signal);
    return 0;
  } catch (err) {
    if (err instanceof ShrinkError) {
      // Clear a progress bar first so the error stands on its own line.
      process.stderr.write(`${process.stderr.isTTY ? "\r\x1b[2K" : ""}shrink ${cmd}: ${cliMessage(err, cmd)}\n`);
      return err.code === "E_ABORT" ? 130 : 2;
    }
    throw err;
  } finally {
    process.off("SIGINT", onSig);
    process.off("SIGTERM", onSig);
  }
}

export { TRAIN_HELP, EVAL_HELP, PRUNE_HELP, INSPECT_HELP, EXPORT_HELP, INFER_HELP, BENCH_HELP, SLIM_HELP, RECIPE_HELP, RERUN_HELP, STUDIO_HELP };
