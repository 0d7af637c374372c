// shrink recipe COMMAND [options]: prints the recipe of a command line (JSON,
// every option with a value, outputs left out), to save and run with
// --recipe; shrink rerun MODEL: runs the recipe a saved model embeds again and
// says whether every tensor came out bit for bit the same.
import { mkdtempSync, rmSync } from "node:fs";
import { THREADS_OPTION, engineFor } from "../threads-option.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, helpText, type OptSpecs } from "../args.js";
import { ShrinkError } from "../../engine/errors.js";
import { decodeModelTensors } from "../../io/model-file.js";
import { TRAIN_OPTIONS } from "./train-options.js";
import { OPTIONS as PRUNE_OPTIONS } from "./prune.js";
import { trainCommand } from "./train.js";
import { pruneCommand, pruneRecipe } from "./prune.js";
import { applyRecipeFile, checkRecipe, recipeArgv, recipeOf } from "../recipe.js";
import { readBytes } from "../model-input.js";
import { captureStdout } from "../capture.js";

const SPECS: Record<string, OptSpecs> = { train: TRAIN_OPTIONS, prune: PRUNE_OPTIONS };

export const RECIPE_HELP = "Usage: shrink recipe train|prune [options]\n\nPrint the recipe (JSON) of a train or prune command line: every option it would run with, outputs left out. Run it with --recipe FILE.\n";

export async function recipeCommand(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h") return void process.stdout.write(RECIPE_HELP);
  const specs = SPECS[command];
  if (!specs) throw new ShrinkError("E_ARG", `recipe: unknown command "${command}" (train or prune)`);
  const p = parseArgs(rest, specs, command);
  if (p.positional.length) throw new ShrinkError("E_ARG", `unexpected argument "${p.positional[0]}" (see shrink recipe --help)`);
  if (p.opts.recipe) await applyRecipeFile(p, p.opts.recipe as string, command, specs);
  const r = command === "prune" ? pruneRecipe(p) : recipeOf(command, p, specs);
  process.stdout.write(JSON.stringify(r, null, 1) + "\n");
}

export const RERUN_OPTIONS: OptSpecs = {
  ...THREADS_OPTION,
  out: { type: "string", arg: "FILE", help: "Keep the rerun's model here (default: a temporary file, removed)" },
  json: { type: "bool", help: "Print a JSON object instead of text" },
};

export const RERUN_HELP = helpText("Usage: shrink rerun MODEL [options]",
  "Run again the train or prune command a saved model embeds (metadata \"recipe\") and compare every tensor with the file's, bit for bit.", RERUN_OPTIONS);

export async function rerunCommand(argv: string[], signal: AbortSignal): Promise<void> {
  const p = parseArgs(argv, RERUN_OPTIONS, "rerun");
  if (p.help) return void process.stdout.write(RERUN_HELP);
  const file = p.positional[0];
  if (!file) throw new ShrinkError("E_ARG", "missing MODEL argument (see shrink rerun --help)");
  const e = await engineFor(p);
  const original = decodeModelTensors(e, await readBytes(file), file);
  if (!original.metadata.recipe) throw new ShrinkError("E_RECIPE", `${file}: no recipe in its metadata (saved by an older shrink, or not by train/prune)`);
  let json: unknown;
  try {
    json = JSON.parse(original.metadata.recipe);
  } catch {
    throw new ShrinkError("E_RECIPE", `${file}: its metadata "recipe" is not valid JSON`);
  }
  const command = (json as { command?: unknown })?.command;
  const specs = typeof command === "string" ? SPECS[command] : undefined;
  if (!specs) throw new ShrinkError("E_RECIPE", `${file}: recipe command ${JSON.stringify(command)} is not train or prune`);
  const recipe = checkRecipe(json, command as string, specs, `${file} recipe`);
  const dir = p.opts.out ? null : mkdtempSync(join(tmpdir(), "shrink-rerun-"));
  const out = (p.opts.out as string | undefined) ?? join(dir!, "rerun.safetensors");
  try {
    const run = command === "train" ? trainCommand : pruneCommand;
    // The rerun's own summary would be a second last line: keep stdout for the verdict.
    await captureStdout(() => run([...recipeArgv(recipe), "--out", out, "--quiet"], signal));
    const again = decodeModelTensors(e, await readBytes(out), out);
    const names = [...original.tensors.keys()].sort();
    const differ = names.filter((n) => {
      const a = original.tensors.get(n)!, b = again.tensors.get(n);
      if (!b || a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return true;
      const x = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), y = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
      return x.length !== y.length || x.some((v, i) => v !== y[i]);
    });
    const extra = [...again.tensors.keys()].filter((n) => !original.tensors.has(n));
    const identical = differ.length === 0 && extra.length === 0;
    const res = { model: file, command, identical, tensors: names.length, differ, extra, out: p.opts.out ?? null };
    if (p.opts.json) process.stdout.write(JSON.stringify(res) + "\n");
    else process.stdout.write(identical ? `rerun of ${file}: all ${names.length} tensors identical, bit for bit\n` : `rerun of ${file}: ${differ.length + extra.length} of ${names.length} tensors differ (${[...differ, ...extra].slice(0, 10).join(", ")})\n`);
    if (!identical) throw new ShrinkError("E_RERUN", `rerun of ${file}: the weights differ from the file's`);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
