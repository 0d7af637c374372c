// npm test: the as-pect kernel specs, then the node:test suites, then one line
// "N passed, N failed" counting every test of both (CI reads that line).
import { spawnSync } from "node:child_process";

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" }, maxBuffer: 1 << 28 });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  return { code: r.status ?? 1, out: r.stdout + r.stderr };
}

const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");
let passed = 0, failed = 0;

// as-pect: one "[Tests]: P / T" summary line for the whole run.
const asp = run("npx", ["asp", "--config", "as-pect.config.js", "--summary"]);
const m = strip(asp.out).match(/\[Tests\]:\s*(\d+)\s*\/\s*(\d+)/);
if (m) {
  passed += +m[1];
  failed += +m[2] - +m[1];
} else {
  console.error("as-pect printed no summary: counting the kernel suite as one failure");
  failed += 1;
}
if (asp.code !== 0 && failed === 0) failed += 1;

// node:test suites, bundled by esbuild.
const build = run("node", ["scripts/build-js.mjs", "--tests"]);
if (build.code !== 0) failed += 1;
else {
  const nt = run("node", ["--test", "--test-reporter=spec", "dist-tests/"]);
  const p = strip(nt.out).match(/ℹ pass (\d+)/), f = strip(nt.out).match(/ℹ fail (\d+)/);
  if (p && f) {
    passed += +p[1];
    failed += +f[1];
  } else failed += 1;
  if (nt.code !== 0 && !(f && +f[1] > 0)) failed += 1;
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
