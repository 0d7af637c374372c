// Running the `shrink` CLI from tests: the repo's bin/shrink.js (→ dist/cli.js),
// non-TTY pipes, no colour, and no data directory from the caller's environment
// (every run says where its data is).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { repoRoot } from "./engine.ts";

const ENV: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" };
delete ENV.SHRINK_DATA_DIR;

export function shrink(...args: string[]) {
  const r = spawnSync(process.execPath, ["bin/shrink.js", ...args], { cwd: repoRoot(), env: ENV, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.error, undefined, `spawn failed: ${r.error}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const lines = (s: string) => s.split("\n").filter((l) => l.length > 0);

/** Runs once, on first use, and shares the result between the tests that read it. */
export function once<T>(f: () => T): () => T {
  let v: { value: T } | undefined;
  return () => (v ??= { value: f() }).value;
}
