// Depthwise 3×3 convolution at MobileNet-V1's shapes (CIFAR form, batch 32):
// forward, input gradient and weight gradient GFLOP/s (2·9 per output each),
// on each engine given (one thread, and the threaded build on 2), best of
// rounds interleaved across shapes and engines.
import type { Engine } from "../src/engine/engine";
import type { Rng } from "../src/engine/rng";
import { bestSeconds } from "./timing";

export interface DwRate { shape: string; forward: number; inputGrad: number; weightGrad: number; all: number }

// [n, c, h, w, stride]: MobileNet-V1's depthwise layers at 32×32 input (width 1), batch 32.
const SHAPES = [[32, 32, 32, 32, 1], [32, 64, 32, 32, 2], [32, 128, 16, 16, 1], [32, 128, 16, 16, 2], [32, 256, 8, 8, 1], [32, 512, 4, 4, 1], [32, 512, 4, 4, 2], [32, 1024, 2, 2, 1]];

export function depthwiseRates(engines: Engine[], rngs: Rng[], rounds: number): DwRate[][] {
  const perEngine = engines.map((e, i) => dwCases(e, rngs[i]));
  const all = perEngine.flat();
  for (const c of all) for (const r of c.runs) r();
  for (let round = 0; round < rounds; round++) for (const c of all) c.runs.forEach((r, i) => (c.best[i] = Math.min(c.best[i], bestSeconds(r, 0.01, 1))));
  return perEngine.map((cases) => cases.map((c) => {
    c.free();
    const [f, i, w] = c.best.map((t) => c.flops / t / 1e9);
    return { shape: c.shape, forward: f, inputGrad: i, weightGrad: w, all: (3 * c.flops) / (c.best[0] + c.best[1] + c.best[2]) / 1e9 };
  }));
}

function dwCases(e: Engine, rng: Rng) {
  return SHAPES.map(([n, c, h, w, s]) => {
    const oh = Math.floor((h - 1) / s) + 1, ow = Math.floor((w - 1) / s) + 1;
    const x = e.alloc(n * c * h * w), wt = e.alloc(c * 9), y = e.alloc(n * c * oh * ow), dx = e.alloc(n * c * h * w), dw = e.alloc(c * 9);
    rng.fillUniform(x, n * c * h * w, -1, 1);
    rng.fillUniform(wt, c * 9, -1, 1);
    rng.fillUniform(y, n * c * oh * ow, -1, 1);
    const runs = [
      () => e.k.dwconv_forward(x, wt, n, c, h, w, 3, 3, s, s, 1, 1, 1, 1, oh, ow, y),
      () => e.k.dwconv_backward_input(y, wt, n, c, h, w, 3, 3, s, s, 1, 1, 1, 1, oh, ow, dx),
      () => e.k.dwconv_backward_weight(y, x, n, c, h, w, 3, 3, s, s, 1, 1, 1, 1, oh, ow, dw),
    ];
    return { shape: `${n}×${c}×${h}×${w} stride ${s}`, flops: 18 * n * c * oh * ow, runs, best: [Infinity, Infinity, Infinity], free: () => [x, wt, y, dx, dw].forEach((p) => e.free(p)) };
  });
}
