// Bundles the TypeScript host with esbuild.
//   (no flag)  dist/index.js (web-standard core), dist/node.js, dist/cli.js
//   --tests    every tests/**/*.test.ts to dist-tests/
//   --bench    bench/bench.ts to dist-bench/bench.js
import { build } from "esbuild";
import { readdirSync, statSync, rmSync, mkdirSync, copyFileSync } from "node:fs";
import { join, relative, resolve, dirname, sep } from "node:path";

const mode = process.argv[2] ?? "";
const common = { bundle: true, format: "esm", target: "es2022", sourcemap: true, logLevel: "warning" };

function walk(dir, pred, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, pred, out);
    else if (pred(p)) out.push(p);
  }
  return out;
}

// dist/node.js and dist/cli.js import the core from ./index.js instead of bundling a second copy
// (one Engine class, one ShrinkError: instanceof holds across the entry points). Every name
// src/node/ imports from the core must then be exported by src/index.ts; importing the bundles
// (tests/package.test.ts) fails on one that is not.
const SRC = resolve("src"), NODE = join(SRC, "node");
const coreExternal = {
  name: "core-external",
  setup(b) {
    b.onResolve({ filter: /^\.{1,2}\// }, (args) => {
      if (!args.importer.startsWith(NODE + sep)) return undefined;
      const target = resolve(dirname(args.importer), args.path);
      return target.startsWith(NODE + sep) || !target.startsWith(SRC + sep) ? undefined : { path: "./index.js", external: true };
    });
  },
};

if (mode === "--tests") {
  rmSync("dist-tests", { recursive: true, force: true });
  const entries = walk("tests", (p) => p.endsWith(".test.ts"));
  await build({
    ...common,
    entryPoints: entries,
    outdir: "dist-tests",
    outbase: "tests",
    platform: "node",
    packages: "external",
  });
  console.error(`built ${entries.length} test files`);
} else if (mode === "--fuzz") {
  await build({ ...common, entryPoints: ["tests/fuzz/main.ts"], outfile: "dist-fuzz/fuzz.js", platform: "node", packages: "external" });
} else if (mode === "--bench") {
  await build({ ...common, entryPoints: ["bench/bench.ts"], outfile: "dist-bench/bench.js", platform: "node", packages: "external" });
} else {
  // The core bundle must stay web-standard: esbuild's neutral platform refuses node: imports.
  await build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/index.js", platform: "neutral" });
  await build({ ...common, entryPoints: ["src/node/index.ts"], outfile: "dist/node.js", platform: "node", packages: "external", plugins: [coreExternal] });
  await build({ ...common, entryPoints: ["src/node/cli.ts"], outfile: "dist/cli.js", platform: "node", packages: "external", plugins: [coreExternal] });
  // The studio: a static app (page, its worker, uPlot, the .wasm and the embedded data), served by
  // `shrink studio` or any static host.
  await build({ ...common, entryPoints: { app: "studio/app.ts", worker: "studio/worker.ts" }, outdir: "dist/studio", platform: "browser", minify: true });
  mkdirSync("dist/studio/data", { recursive: true });
  for (const f of ["index.html", "style.css"]) copyFileSync(join("studio", f), join("dist/studio", f));
  copyFileSync("build/shrinkwasm.wasm", "dist/studio/shrinkwasm.wasm");
  copyFileSync("build/shrinkwasm.threads.wasm", "dist/studio/shrinkwasm.threads.wasm");
  for (const f of readdirSync("data").filter((f) => f.endsWith(".gz"))) copyFileSync(join("data", f), join("dist/studio/data", f));
}
