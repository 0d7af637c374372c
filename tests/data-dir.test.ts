import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { embeddedDataDir, findFashionMnist, readDatasetFiles } from "../src/node/data-dir.ts";
import { ShrinkError } from "../src/engine/errors.ts";

const shrinkError = (code: string, re: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ShrinkError, `expected ShrinkError, got ${String(err)}`);
  assert.equal(err.code, code);
  assert.match(err.message, re);
  return true;
};

function tempTree(): { root: string; flag: string; env: string; debian: string; embedded: string } {
  const root = mkdtempSync(join(tmpdir(), "shrink-data-"));
  const dirs = { root, flag: join(root, "flag"), env: join(root, "env"), debian: join(root, "debian"), embedded: join(root, "embedded") };
  for (const d of [dirs.flag, dirs.env, dirs.debian, dirs.embedded]) mkdirSync(d);
  return dirs;
}

test("precedence: --data-dir > SHRINK_DATA_DIR > Debian package > embedded", (t) => {
  const d = tempTree();
  t.after(() => rmSync(d.root, { recursive: true, force: true }));
  const base = { debianDir: d.debian, embeddedDir: d.embedded };
  const env = { SHRINK_DATA_DIR: d.env };
  assert.deepEqual(findFashionMnist({ ...base, dataDir: d.flag, env }), { dir: d.flag, source: "flag" });
  assert.deepEqual(findFashionMnist({ ...base, env }), { dir: d.env, source: "env" });
  // An empty variable is treated as unset.
  assert.deepEqual(findFashionMnist({ ...base, env: { SHRINK_DATA_DIR: "" } }), { dir: d.debian, source: "debian" });
  assert.deepEqual(findFashionMnist({ ...base, env: {} }), { dir: d.debian, source: "debian" });
  rmSync(d.debian, { recursive: true });
  assert.deepEqual(findFashionMnist({ ...base, env: {} }), { dir: d.embedded, source: "embedded" });
  // A plain file where the Debian dir would be does not count.
  writeFileSync(d.debian, "");
  assert.equal(findFashionMnist({ ...base, env: {} }).source, "embedded");
});

test("SHRINK_DATA_DIR is read from process.env by default", (t) => {
  const d = tempTree();
  const saved = process.env["SHRINK_DATA_DIR"];
  t.after(() => {
    if (saved === undefined) delete process.env["SHRINK_DATA_DIR"];
    else process.env["SHRINK_DATA_DIR"] = saved;
    rmSync(d.root, { recursive: true, force: true });
  });
  process.env["SHRINK_DATA_DIR"] = d.env;
  assert.deepEqual(findFashionMnist({ debianDir: d.debian }), { dir: d.env, source: "env" });
});

test("an explicit directory that does not exist is an error, not a silent fallback", () => {
  const missing = join(tmpdir(), "shrink-no-such-dir-" + process.pid);
  assert.throws(
    () => findFashionMnist({ dataDir: missing, env: {} }),
    shrinkError("E_DATA_DIR", new RegExp(`^--data-dir ${missing}: no such directory`)),
  );
  assert.throws(
    () => findFashionMnist({ env: { SHRINK_DATA_DIR: missing } }),
    shrinkError("E_DATA_DIR", new RegExp(`^SHRINK_DATA_DIR=${missing}: no such directory`)),
  );
});

test("the default embedded dir is the repo's data/ (resolved from the bundle's location)", () => {
  const dir = embeddedDataDir();
  assert.equal(dir, fileURLToPath(new URL("../data/", import.meta.url)));
  assert.ok(existsSync(join(dir, "README.md")), dir);
  assert.ok(existsSync(join(dir, "t10k-labels-idx1-ubyte.gz")), dir);
  const nowhere = join(tmpdir(), "shrink-no-debian-" + process.pid);
  assert.deepEqual(findFashionMnist({ env: {}, debianDir: nowhere }), { dir, source: "embedded" });
});

test("readDatasetFiles accepts gz and raw names and returns the bytes", async (t) => {
  const d = tempTree();
  t.after(() => rmSync(d.root, { recursive: true, force: true }));
  writeFileSync(join(d.flag, "train-images-idx3-ubyte.gz"), Uint8Array.of(1));
  writeFileSync(join(d.flag, "train-labels-idx1-ubyte"), Uint8Array.of(2, 2));
  writeFileSync(join(d.flag, "t10k-images-idx3-ubyte"), Uint8Array.of(3, 3, 3));
  writeFileSync(join(d.flag, "t10k-labels-idx1-ubyte.gz"), Uint8Array.of(4));
  // When both exist, the .gz name wins.
  writeFileSync(join(d.flag, "t10k-labels-idx1-ubyte"), Uint8Array.of(5));
  const files = await readDatasetFiles(d.flag);
  assert.deepEqual(
    [files.trainImages, files.trainLabels, files.testImages, files.testLabels].map((f) => [f.name, [...f.bytes]]),
    [
      ["train-images-idx3-ubyte.gz", [1]],
      ["train-labels-idx1-ubyte", [2, 2]],
      ["t10k-images-idx3-ubyte", [3, 3, 3]],
      ["t10k-labels-idx1-ubyte.gz", [4]],
    ],
  );
  assert.equal(files.testImages.path, join(d.flag, "t10k-images-idx3-ubyte"));
  assert.equal(Object.getPrototypeOf(files.trainImages.bytes), Uint8Array.prototype);
});

test("missing files: one error naming the dir and every name tried", async (t) => {
  const d = tempTree();
  t.after(() => rmSync(d.root, { recursive: true, force: true }));
  writeFileSync(join(d.flag, "train-images-idx3-ubyte.gz"), Uint8Array.of(1));
  writeFileSync(join(d.flag, "t10k-images-idx3-ubyte"), Uint8Array.of(1));
  await assert.rejects(
    readDatasetFiles(d.flag),
    shrinkError(
      "E_DATA_MISSING",
      new RegExp(
        `^${d.flag}: missing Fashion-MNIST file\\(s\\): tried train-labels-idx1-ubyte\\.gz or train-labels-idx1-ubyte; ` +
          `t10k-labels-idx1-ubyte\\.gz or t10k-labels-idx1-ubyte \\(install .*apt-get install dataset-fashion-mnist.*--data-dir / SHRINK_DATA_DIR`,
      ),
    ),
  );
  await assert.rejects(readDatasetFiles(d.env), shrinkError("E_DATA_MISSING", /tried train-images-idx3-ubyte\.gz or train-images-idx3-ubyte; .*t10k-labels/));
});

test("an unreadable dataset path is a ShrinkError naming it", async (t) => {
  const d = tempTree();
  t.after(() => rmSync(d.root, { recursive: true, force: true }));
  mkdirSync(join(d.flag, "train-images-idx3-ubyte.gz")); // a directory: EISDIR on read
  await assert.rejects(
    readDatasetFiles(d.flag),
    shrinkError("E_DATA_READ", new RegExp(`^${join(d.flag, "train-images-idx3-ubyte.gz")}: cannot read dataset file \\(EISDIR\\)`)),
  );
});
