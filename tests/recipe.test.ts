// Recipes (src/node/recipe.ts): `shrink recipe` prints a command line's
// recipe, --recipe runs it with command-line options overriding it, saved
// models embed theirs, and `shrink rerun` reproduces a model's weights bit for
// bit; bad recipes fail with the JSON path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shrink, lines } from "./helpers/cli.ts";

const TMP = mkdtempSync(join(tmpdir(), "shrink-recipe-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));
const last = (s: string) => JSON.parse(lines(s).at(-1)!);

test("shrink rerun reproduces S-LATS, GMP and SAP models and a trained one bit for bit", () => {
  for (const [cmd, ...args] of [["prune", "--epochs", "2"], ["prune", "--method", "gmp", "--target-sparsity", "0.6", "--epochs", "2", "--seed", "3"], ["prune", "--method", "sap", "--iterations", "2", "--epochs", "1"], ["train", "--epochs", "1", "--lr", "0.05"]]) {
    const m = join(TMP, `${cmd}-${args.join("_")}.safetensors`);
    assert.equal(shrink(cmd, ...args, "--out", m, "--quiet").code, 0);
    const r = shrink("rerun", m, "--json");
    assert.equal(r.code, 0, r.stderr);
    const j = last(r.stdout);
    assert.equal(j.identical, true, `${cmd} ${args.join(" ")}: ${JSON.stringify(j)}`);
    assert.equal(j.tensors, 6);
  }
});

test("shrink recipe writes what --recipe reads; the command line overrides the recipe", () => {
  const r = shrink("recipe", "prune", "--method", "gmp", "--target-sparsity", "0.7", "--epochs", "1", "--lr", "0.05");
  assert.equal(r.code, 0, r.stderr);
  const recipe = JSON.parse(r.stdout);
  assert.equal(recipe.format, "shrinkwasm-recipe/1");
  assert.equal(recipe.options.method, "gmp");
  assert.equal(recipe.options["target-sparsity"], 0.7);
  assert.equal(recipe.options.beta, undefined, "another method's options are left out");
  const file = join(TMP, "run.json");
  writeFileSync(file, r.stdout);
  const s = last(shrink("prune", "--recipe", file, "--epochs", "2", "--json", "--quiet").stdout);
  assert.equal(s.method, "gmp");
  assert.equal(s.epochs, 2);
  assert.equal(s.config.lr, 0.05);
});

test("bad recipes fail with one line naming the JSON path", () => {
  const cases: [unknown, RegExp][] = [
    [{ format: "shrinkwasm-recipe/1", command: "prune", options: { lr: "fast" } }, /: options\.lr: must be a finite number, got "fast"$/],
    [{ format: "shrinkwasm-recipe/1", command: "prune", options: { lrr: 1 } }, /: options\.lrr: is not an option of shrink prune a recipe can hold$/],
    [{ format: "shrinkwasm-recipe/1", command: "prune", options: { out: "x" } }, /: options\.out: is not an option of shrink prune a recipe can hold$/],
    [{ format: "shrinkwasm-recipe/1", command: "train", options: {} }, /: command: is "train", but this is shrink prune$/],
    [{ format: "v0", command: "prune", options: {} }, /: format: must be "shrinkwasm-recipe\/1", got "v0"$/],
    [{ format: "shrinkwasm-recipe/1", command: "prune", options: { method: "best" } }, /: options\.method: must be one of slats, lats, .*got "best"$/],
  ];
  cases.forEach(([json, re], i) => {
    const f = join(TMP, `bad${i}.json`);
    writeFileSync(f, JSON.stringify(json));
    const r = shrink("prune", "--recipe", f);
    assert.equal(r.code, 2);
    const msg = lines(r.stderr);
    assert.equal(msg.length, 1, r.stderr);
    assert.match(msg[0], re);
  });
});
