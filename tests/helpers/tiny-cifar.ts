// CIFAR-10 binary files for CLI tests: 48 training and 20 test images whose
// class sets the mean colour (learnable in one epoch), in `parent`.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeCifar, CIFAR_FILES } from "../../src/data/cifar.ts";

export function writeTinyCifar(parent: string): string {
  const dir = join(parent, "cifar-10-batches-bin");
  mkdirSync(dir);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  const make = (n: number, first: number) => {
    const labels = Uint8Array.from({ length: n }, (_, i) => (first + i) % 10);
    const images = new Uint8Array(n * 3072);
    for (let i = 0; i < n; i++) for (let j = 0; j < 3072; j++) images[i * 3072 + j] = (labels[i] * 20 + (j >> 10) * 40 + (rand() >> 2)) & 0xff;
    return { images, labels };
  };
  const f = CIFAR_FILES.cifar10;
  f.train.forEach((name, k) => {
    const { images, labels } = make(k < 4 ? 10 : 8, 10 * k);
    writeFileSync(join(dir, name), encodeCifar("cifar10", images, labels));
  });
  const t = make(20, 3);
  writeFileSync(join(dir, f.test[0]), encodeCifar("cifar10", t.images, t.labels));
  return dir;
}
