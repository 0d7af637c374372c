// Where the data of a two-thread step was last written: an SGD step on one of
// the MLP's weights (split over threads by rows, as sgd_step splits), timed
// right after the operation that last touched W or its gradient, on the
// threaded build at 2 threads. The first quartile of the trials, in µs.
// docs/performance.md (twelfth session) and docs/threads.md read these.
import type { Engine } from "../src/engine/engine";
import { Rng } from "../src/engine/rng";

export interface PlacementRow { weight: string; after: Record<string, number> }

export const PLACEMENT_AFTER = ["itself", "forward (reads W by rows)", "dW (writes it by columns)", "dX (reads W by columns)", "all three"] as const;

export function sgdPlacement(e: Engine, trials: number): PlacementRow[] {
  const R = 250, k = e.k, rng = new Rng(e, 5);
  const rows: PlacementRow[] = [];
  const filled = (n: number, scale: number) => { const p = e.alloc(n); rng.fillUniform(p, n, -scale, scale); return p; };
  for (const [name, O, I] of [["fc2 256×128", 256, 128], ["fc1 128×784", 128, 784]] as const) {
    const W = filled(O * I, 0.1), G = filled(O * I, 0.01), B = e.alloc(O * I);
    const X = filled(R * I, 1), DY = filled(R * O, 1), Y = e.alloc(R * O), DX = e.alloc(R * I);
    const sgd = () => k.sgd_step(W, G, B, O * I, 0.01, 0.9, 0, 5e-4, 1, 0);
    const fwd = () => k.gemm_nt(R, O, I, X, I, W, I, Y, O, 0);
    const dw = () => k.gemm_tn(O, I, R, DY, O, X, I, G, I, 0);
    const dx = () => k.gemm_nn(R, I, O, DY, O, W, I, DX, I, 0);
    const before = [sgd, fwd, dw, dx, () => { fwd(); dw(); dx(); }];
    const after: Record<string, number> = {};
    before.forEach((pre, j) => {
      const v: number[] = [];
      for (let r = 0; r < trials + 20; r++) {
        pre();
        const t = performance.now();
        sgd();
        if (r >= 20) v.push(performance.now() - t);
      }
      v.sort((a, b) => a - b);
      after[PLACEMENT_AFTER[j]] = 1000 * v[v.length >> 2];
    });
    for (const p of [W, G, B, X, DY, Y, DX]) e.free(p);
    rows.push({ weight: name, after });
  }
  rng.free();
  return rows;
}
