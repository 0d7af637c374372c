// Node, CommonJS: an ESM-only package reached from require-land by import().
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");

(async () => {
  const sw = await import(pathToFileURL(join(__dirname, "..", "..", "dist", "index.js")).href);
  const { scenario } = await import(pathToFileURL(join(__dirname, "scenario.mjs")).href);
  const { nodeSpawn } = await import(pathToFileURL(join(__dirname, "..", "..", "dist", "node.js")).href);
  const wasm = readFileSync(join(__dirname, "..", "..", "build", "shrinkwasm.wasm"));
  const threadsWasm = readFileSync(join(__dirname, "..", "..", "build", "shrinkwasm.threads.wasm"));
  console.log(JSON.stringify(await scenario(sw, wasm, { threadsWasm, spawn: nodeSpawn })));
})().catch((err) => { console.error(err); process.exit(1); });
