// The house rules that keep the code base one-way and deterministic, checked
// on the sources and the built binary:
//   - src/ folders import only downward, in the order docs/architecture.md draws;
//   - the host's kernel table (src/engine/exports.ts) is exactly the .wasm's
//     function exports, names and arity;
//   - generated micro-kernels are what their generators make now;
//   - no host transcendental math (Math.exp, cos, pow, … or **) outside the
//     CLI, since ECMAScript lets each engine round those differently.
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, dirname, resolve, relative } from "node:path";
import { stale } from "../scripts/gen.mjs";

/** Lowest first: a folder may import from its own and the ones before it. */
export const LAYERS = ["engine", "data", "nn", "io", "infer", "optim", "train", "prune", "node"] as const;

function walk(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out;
}

const folderOf = (file: string): string => {
  const parts = relative("src", file).split(/[\\/]/);
  return parts.length > 1 ? parts[0] : "(root)";
};

/** Every relative import of src/ as [from file, to file]. */
function imports(): [string, string][] {
  const edges: [string, string][] = [];
  for (const f of walk("src")) {
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
      edges.push([f, resolve(dirname(f), m[1]).replace(/(\.js|\.ts)?$/, ".ts")]);
    }
  }
  return edges;
}

test("src/ folders import one way: engine → data → nn → io → optim → train → prune → node, no cycles", () => {
  const rank = (folder: string) => (folder === "(root)" ? LAYERS.length : LAYERS.indexOf(folder as (typeof LAYERS)[number]));
  const bad: string[] = [];
  const folders = new Set<string>();
  const between = new Set<string>();
  for (const [from, to] of imports()) {
    const a = folderOf(from), b = folderOf(relative(process.cwd(), to));
    folders.add(a);
    if (rank(a) < 0) bad.push(`${from}: folder ${a} is not in the documented order`);
    if (a !== b) between.add(`${a}→${b}`);
    if (rank(b) > rank(a)) bad.push(`${from} imports ${relative(process.cwd(), to)} (${a} sits below ${b})`);
  }
  assert.deepEqual(bad, []);
  // With a strict order there can be no cycle; check it directly as well.
  const cycles = [...between].filter((e) => between.has(e.split("→").reverse().join("→")));
  assert.deepEqual(cycles, [], "cycles between folders");
  assert.ok(folders.size >= LAYERS.length, `saw ${[...folders].join(", ")}`);
});

test("the import check itself finds an upward import (a planted edge fails it)", () => {
  const rank = (f: string) => LAYERS.indexOf(f as (typeof LAYERS)[number]);
  assert.ok(rank(folderOf("src/nn/linear.ts")) < rank(folderOf("src/train/session.ts")));
  assert.equal(folderOf("src/index.ts"), "(root)");
});

test("node: imports only in src/node/ (the core stays web-standard)", () => {
  const bad = walk("src").filter((f) => folderOf(f) !== "node" && /from\s+"node:/.test(readFileSync(f, "utf8")));
  assert.deepEqual(bad, []);
});

/** Method names and parameter counts of the KernelExports interface. */
function declaredExports(): Map<string, number> {
  const text = readFileSync("src/engine/exports.ts", "utf8");
  const body = text.slice(text.indexOf("export interface KernelExports"));
  const out = new Map<string, number>();
  for (const m of body.matchAll(/^\s+(\w+)\(([^)]*)\):/gm)) {
    const params = m[2].trim() === "" ? 0 : m[2].split(",").filter((s) => s.trim()).length;
    out.set(m[1], params);
  }
  return out;
}

test("src/engine/exports.ts lists exactly the .wasm's function exports, with their arity", async () => {
  const bytes = readFileSync("build/shrinkwasm.wasm");
  const mod = new WebAssembly.Module(bytes);
  const inst = new WebAssembly.Instance(mod, { env: { abort: () => { throw new Error("abort"); } } });
  const real = new Map<string, number>();
  for (const d of WebAssembly.Module.exports(mod)) {
    if (d.kind === "function") real.set(d.name, (inst.exports[d.name] as (...a: unknown[]) => unknown).length);
  }
  const declared = declaredExports();
  assert.ok(declared.size > 50, `parsed ${declared.size} declarations`);
  const missing = [...declared.keys()].filter((n) => !real.has(n));
  const undeclared = [...real.keys()].filter((n) => !declared.has(n));
  const arity = [...declared].filter(([n, k]) => real.has(n) && real.get(n) !== k).map(([n, k]) => `${n}: declared ${k}, wasm ${real.get(n)}`);
  assert.deepEqual({ missing, undeclared, arity }, { missing: [], undeclared: [], arity: [] });
  assert.deepEqual(WebAssembly.Module.exports(mod).filter((d) => d.kind !== "function").map((d) => d.name), ["memory"]);
});

test("generated micro-kernels are fresh (npm run gen rewrites them)", () => {
  assert.deepEqual(stale(), []);
});

// Transcendental host math, and the ** operator (Math.pow semantics).
const HOST_MATH = /Math\.(cos|sin|tan|acos|asin|atan|atan2|cosh|sinh|tanh|acosh|asinh|atanh|exp|expm1|log|log1p|log2|log10|pow|sqrt|cbrt|hypot)\b|[\w)\]]\s*\*\*\s*[\w(]/;

test("no host transcendental math in src/ outside src/node/ (values that reach weights are computed in wasm)", () => {
  const bad: string[] = [];
  for (const f of walk("src")) {
    if (folderOf(f) === "node") continue;
    readFileSync(f, "utf8").split("\n").forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, "").replace(/^\s*\*.*$/, "");
      if (HOST_MATH.test(code)) bad.push(`${f}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(bad, []);
  assert.ok(HOST_MATH.test("x = Math.exp(-s)") && HOST_MATH.test("(1 - x) ** 3") && !HOST_MATH.test("2 * 20"));
});
