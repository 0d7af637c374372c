// The package as a user gets it: `npm pack` of the built tree (its scripts
// skipped: the build is there), checked by @arethetypeswrong/cli (node16 ESM
// and bundler resolution of ".", "./node" and "./wasm") and publint --strict;
// a TypeScript project with module "nodenext" type-checks against the
// unpacked package (skipLibCheck off) and reports exactly the type error it
// holds on purpose. The node entry shares the core (one Engine, one
// ShrinkError), the release .wasm imports nothing, and Engine.create loads
// file: URLs and says what to pass when it cannot load a source.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "./helpers/engine.ts";

const ROOT = repoRoot();
const TMP = mkdtempSync(join(tmpdir(), "shrink-pkg-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));
const bin = (name: string) => join(ROOT, "node_modules", ".bin", name);
// Under `npm test` PATH starts with node_modules/.bin, which holds an old npm some dependency brings: use the machine's.
const PATH = (process.env.PATH ?? "").split(":").filter((d) => !d.includes("node_modules")).join(":");
const run = (cmd: string, args: string[], cwd = ROOT) => spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 120_000, env: { ...process.env, PATH } });

let tarball: string | undefined;
function pack(): string {
  if (tarball) return tarball;
  const r = run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", TMP]);
  assert.equal(r.status, 0, r.stderr);
  tarball = join(TMP, (JSON.parse(r.stdout) as { filename: string }[])[0].filename);
  return tarball;
}

test("attw: '.', './node' and './wasm' resolve with types under node16 (ESM) and bundler; publint --strict: nothing", () => {
  const attw = run(bin("attw"), [pack(), "--profile", "esm-only", "--format", "json"]);
  const report = JSON.parse(attw.stdout) as { analysis: { problems: unknown[]; entrypoints: Record<string, unknown> } };
  assert.deepEqual(report.analysis.problems.filter((p) => !/node10|node16-cjs/.test(JSON.stringify(p))), [], attw.stdout.slice(0, 2000));
  assert.deepEqual(Object.keys(report.analysis.entrypoints).filter((k) => !k.includes("*")).sort(), [".", "./node", "./package.json", "./wasm", "./wasm-threads"]);
  assert.equal(attw.status, 0, attw.stdout.slice(0, 2000));
  const publint = run(bin("publint"), ["--strict"]);
  assert.equal(publint.status, 0, publint.stdout + publint.stderr);
  assert.match(publint.stdout, /All good!/);
});

test("a nodenext consumer type-checks against the unpacked package; its one deliberate type error is the only error", () => {
  const dir = join(TMP, "consumer");
  const pkg = join(dir, "node_modules", "shrinkwasm");
  mkdirSync(pkg, { recursive: true });
  const tar = run("tar", ["-xzf", pack(), "-C", pkg, "--strip-components=1"]);
  assert.equal(tar.status, 0, tar.stderr);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      module: "nodenext", moduleResolution: "nodenext", target: "ES2022", lib: ["ES2022", "DOM"], strict: true, noEmit: true,
      skipLibCheck: false, typeRoots: [join(ROOT, "node_modules", "@types")], types: ["node"],
    },
    files: ["main.ts"],
  }));
  writeFileSync(join(dir, "main.ts"), [
    'import { Engine, RunSession, ShrinkError, DEFAULT_TRAIN_CONFIG, DEFAULT_PRUNE, type PruneConfig } from "shrinkwasm";',
    'import { loadEngine, loadDataset } from "shrinkwasm/node";',
    'import wasm from "shrinkwasm/wasm";',
    "const engine: Engine = await loadEngine();",
    'const data = await loadDataset({ dataset: "fashion-mnist" });',
    'const config: PruneConfig = { ...DEFAULT_TRAIN_CONFIG, ...DEFAULT_PRUNE, method: "slats", exclude: [] };',
    'const run = RunSession.start(engine, { kind: "prune", config }, data.train, data.test);',
    "const done: boolean = await run.advance({ steps: 1 });",
    "const module: WebAssembly.Module = wasm;",
    "const isError: boolean = new Error() instanceof ShrinkError;",
    "const wrong: string = engine.liveBytes; // the deliberate type error",
    "export { done, module, isError, wrong };",
    "",
  ].join("\n"));
  const tsc = run(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", dir], dir);
  assert.deepEqual(tsc.stdout.trim().split("\n"), ["main.ts(11,7): error TS2322: Type 'number' is not assignable to type 'string'."]);
});

test("shrinkwasm/node imports the core: loadEngine() is an Engine of shrinkwasm, its errors are ShrinkErrors of shrinkwasm", async () => {
  const core = await import(pathToFileURL(join(ROOT, "dist", "index.js")).href);
  const node = await import(pathToFileURL(join(ROOT, "dist", "node.js")).href);
  const e = await node.loadEngine();
  assert.ok(e instanceof core.Engine);
  await assert.rejects(node.loadDataset({ dataDir: join(TMP, "nowhere") }), (err: unknown) => err instanceof core.ShrinkError);
  assert.doesNotMatch(readFileSync(join(ROOT, "dist", "node.js"), "utf8"), /class Engine\b/, "dist/node.js bundles no second Engine");
});

test("the release .wasm needs no import object; Engine.create loads a file: URL and names what to pass when it cannot load", async () => {
  const core = await import(pathToFileURL(join(ROOT, "dist", "index.js")).href);
  const wasmFile = join(ROOT, "build", "shrinkwasm.wasm");
  const module = new WebAssembly.Module(readFileSync(wasmFile));
  assert.deepEqual(WebAssembly.Module.imports(module), []);
  assert.ok((await WebAssembly.instantiate(module)).exports.alloc, "instantiates without imports");
  const e = await core.Engine.create(pathToFileURL(wasmFile));
  assert.equal(typeof e.alloc(4), "number");
  const fails = async (source: unknown, re: RegExp) => assert.rejects(core.Engine.create(source), (err: Error) => err instanceof core.ShrinkError && re.test(err.message));
  await fails(pathToFileURL(join(TMP, "missing.wasm")), /^wasm: cannot read file:\/\/.*missing\.wasm \(.*ENOENT.*\); pass the \.wasm's bytes/);
  await fails(new Uint8Array([0, 97, 115, 109, 9]), /^wasm: cannot compile the bytes \(.*\); pass the \.wasm's bytes \(Uint8Array, ArrayBuffer\), its URL, a fetch Response, or a compiled WebAssembly\.Module \(Cloudflare Workers cannot compile bytes: import the \.wasm as a module\)$/);
  await fails({ not: "wasm" }, /^wasm: \[object Object\] is not a source the engine loads; pass/);
  await fails(new Response("nope", { status: 404 }), /^wasm: the Response has HTTP status 404/);
});
