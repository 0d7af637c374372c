// Folding an evaluation-mode batch norm into the conv or linear layer before
// it (what `shrink export --fold-bn` writes):
//   s_o = γ_o / √(var_o + eps),  W'_o = s_o·W_o,  b'_o = β_o + s_o·(b_o − mean_o).
// Computed in f64 and rounded once per value, so a folded weight is exactly
// zero where the weight was.
import { sqrt_f64 } from "../math";

/** w: [outCh, per] (b = 0: no bias); writes w2 [outCh, per] and b2 [outCh]. */
export function bn_fold(w: usize, b: usize, gamma: usize, beta: usize, mean: usize, variance: usize, eps: f64, outCh: i32, per: i32, w2: usize, b2: usize): void {
  for (let o = 0; o < outCh; o++) {
    const oo = <usize>o << 2;
    const s = <f64>load<f32>(gamma + oo) / sqrt_f64(<f64>load<f32>(variance + oo) + eps);
    const bias = b ? <f64>load<f32>(b + oo) : 0.0;
    store<f32>(b2 + oo, <f32>(<f64>load<f32>(beta + oo) + s * (bias - <f64>load<f32>(mean + oo))));
    const row = <usize>o * <usize>per << 2;
    for (let j = 0; j < per; j++) {
      const q = row + (<usize>j << 2);
      store<f32>(w2 + q, <f32>(<f64>load<f32>(w + q) * s));
    }
  }
}
