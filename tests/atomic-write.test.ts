import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../src/node/atomic-write.ts";

test("writeFileAtomic writes bytes and strings, replacing the old file, leaving no temp files", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "shrink-atomic-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "model.safetensors");
  writeFileSync(path, "old contents that are longer");
  await writeFileAtomic(path, Uint8Array.of(1, 2, 3));
  assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
  await writeFileAtomic(path, "héllo");
  assert.equal(readFileSync(path, "utf8"), "héllo");
  assert.deepEqual(readdirSync(dir), ["model.safetensors"]);
});

test("writeFileAtomic failure rethrows, removes its temp file and keeps the old file", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "shrink-atomic-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // rename() onto a non-empty directory fails after the temp file was written.
  const target = join(dir, "target");
  mkdirSync(target);
  writeFileSync(join(target, "keep"), "x");
  await assert.rejects(writeFileAtomic(target, "new"), (err: NodeJS.ErrnoException) => {
    assert.match(String(err.code), /^(EISDIR|ENOTEMPTY|EEXIST|EPERM)$/);
    return true;
  });
  assert.deepEqual(readdirSync(dir), ["target"]);
  assert.equal(readFileSync(join(target, "keep"), "utf8"), "x");
  // A missing parent directory fails before anything is created.
  await assert.rejects(writeFileAtomic(join(dir, "nope", "f"), "x"), { code: "ENOENT" });
});
