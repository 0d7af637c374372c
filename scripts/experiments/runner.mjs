// Shared by the experiment scripts: run `shrink ... --json` once per named run
// (skipped when OUT/name.json exists, so an interrupted sweep resumes), keep
// its summary as OUT/name.json, and a pool of at most `jobs` runs at once.
import { spawn } from "node:child_process";
import { mkdirSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function cliOptions(argv = process.argv.slice(2)) {
  return (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : dflt; };
}

export function makeRunner(out, jobs) {
  mkdirSync(out, { recursive: true });
  const run = (name, args, describe) => {
    const file = join(out, `${name}.json`);
    if (existsSync(file)) return Promise.resolve(JSON.parse(readFileSync(file, "utf8")));
    return new Promise((resolve, reject) => {
      const t0 = Date.now();
      const p = spawn(process.execPath, ["bin/shrink.js", ...args, "--json", "--quiet", "--log", join(out, `${name}.jsonl`)], { stdio: ["ignore", "pipe", "inherit"] });
      let text = "";
      p.stdout.on("data", (d) => (text += d));
      p.on("close", (code) => {
        if (code !== 0) return reject(new Error(`${name}: exit ${code}`));
        const res = { name, args, ...JSON.parse(text.trim().split("\n").pop()) };
        writeFileSync(file, JSON.stringify(res));
        console.error(`${name}: ${describe(res)}  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
        resolve(res);
      });
    });
  };
  let active = 0;
  const queue = [];
  return (name, args, describe) => new Promise((resolve, reject) => {
    const go = () => { active++; run(name, args, describe).then(resolve, reject).finally(() => { active--; queue.shift()?.(); }); };
    active < jobs ? go() : queue.push(go);
  });
}
