// npm run gen: regenerates every generated micro-kernel under
// assembly/kernels/gemm/gen/ and assembly/kernels/sparse/gen/ from its generator. `--check` writes nothing and
// exits 1 naming any file that differs from what its generator makes now
// (tests/generated.test.ts runs the same comparison).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { ukernel } from "./gen-gemm-ukernel.mjs";
import { dotKernel } from "./gen-gemm-dot-ukernel.mjs";
import { spmmKernel } from "./gen-spmm-ukernel.mjs";

const DIR = "assembly/kernels/gemm/gen";
const SPARSE = "assembly/kernels/sparse/gen";
/** Every generated file and the text its generator makes. */
export const GENERATED = [
  [`${DIR}/ukernel_4x8.ts`, () => ukernel(4, 8)],
  [`${DIR}/ukernel_2x16.ts`, () => ukernel(2, 16)],
  [`${DIR}/ukernel_4x8_rows.ts`, () => ukernel(4, 8, 1, true)],
  [`${DIR}/dot_4x2.ts`, () => dotKernel(4, 2)],
  [`${DIR}/dot_1x2.ts`, () => dotKernel(1, 2)],
  [`${DIR}/dot_4x1.ts`, () => dotKernel(4, 1)],
  [`${DIR}/dot_1x1.ts`, () => dotKernel(1, 1)],
  [`${SPARSE}/spmm_16.ts`, () => spmmKernel(16)],
  [`${SPARSE}/spmm_4.ts`, () => spmmKernel(4)],
];

/** The generated files whose content differs from their generator's output. */
export function stale() {
  return GENERATED.filter(([path, make]) => {
    let have = null;
    try { have = readFileSync(path, "utf8"); } catch { /* missing counts as stale */ }
    return have !== make();
  }).map(([path]) => path);
}

if (process.argv[1]?.endsWith("gen.mjs")) {
  if (process.argv.includes("--check")) {
    const s = stale();
    if (s.length) { console.error(`stale generated files (run npm run gen): ${s.join(", ")}`); process.exit(1); }
    console.log(`${GENERATED.length} generated files are fresh`);
  } else {
    for (const [path, make] of GENERATED) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, make());
    }
    console.log(`wrote ${GENERATED.length} files`);
  }
}
