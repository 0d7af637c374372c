// Fused softmax + cross-entropy with label smoothing, matching PyTorch's
// F.cross_entropy(logits, y, label_smoothing=ε, reduction='mean').
//
// Per row (z_j = x_j − max_j x_j for stability, lse = ln Σ_j exp z_j,
// log p_j = z_j − lse, target q = (1 − ε)·onehot(y) + ε/K):
//   loss_r = −Σ_j q_j log p_j = (1 − ε)·(lse − z_y) + ε·(lse − (Σ_j z_j)/K)
//   dloss/dx_j = (p_j − q_j) / rows          (gradient of the mean loss)
// All of it in f64 (AssemblyScript's wasm Math.exp/log), summing classes in
// order j = 0..K−1 and rows in order r = 0..rows−1, so results are the same
// bits everywhere; gradients are rounded to f32 once at the store.

/**
 * Returns the mean loss over rows (f64). If dlogits != 0, writes the f32
 * gradient [rows, classes] there; dlogits == 0 is eval mode (loss only).
 * If correct_out != 0, stores at it (i32) the count of rows whose argmax
 * (first maximum on ties) equals the label.
 *
 * Errors (no trap): a label outside [0, classes) is never used as an address;
 * its row gets a zero gradient, is not counted correct, and the returned loss
 * is NaN so the host can detect it. rows ≤ 0 or classes ≤ 0 also return NaN
 * (PyTorch's mean over an empty batch is NaN too).
 */
export function softmax_xent(
  logits: usize, labels_i32: usize, rows: i32, classes: i32,
  smoothing: f32, dlogits: usize, correct_out: usize
): f64 {
  if (rows <= 0 || classes <= 0) {
    if (correct_out != 0) store<i32>(correct_out, 0);
    return NaN;
  }
  const eps = <f64>smoothing;
  const k = <f64>classes;
  const qOff = eps / k; // target of every non-label class
  const qOn = (1.0 - eps) + qOff; // target of the label class
  const fr = <f64>rows;
  const rb = <usize>classes << 2;
  let total: f64 = 0;
  let correct = 0;
  let bad = false;
  for (let r = 0; r < rows; r++) {
    const row = logits + <usize>r * rb;
    // Row max (for stability) and first argmax.
    let m = load<f32>(row);
    let arg = 0;
    for (let c = 1; c < classes; c++) {
      const v = load<f32>(row + (<usize>c << 2));
      if (v > m) {
        m = v;
        arg = c;
      }
    }
    const mm = <f64>m;
    let se: f64 = 0; // Σ exp z_j ≥ 1 (the max term is exp 0)
    let sz: f64 = 0; // Σ z_j
    for (let c = 0; c < classes; c++) {
      const z = <f64>load<f32>(row + (<usize>c << 2)) - mm;
      se += Math.exp(z);
      sz += z;
    }
    const lse = Math.log(se);
    const y = load<i32>(labels_i32 + (<usize>r << 2));
    const valid = <u32>y < <u32>classes;
    if (valid) {
      const zy = <f64>load<f32>(row + (<usize>y << 2)) - mm;
      total += (1.0 - eps) * (lse - zy) + eps * (lse - sz / k);
      correct += i32(arg == y);
    } else {
      bad = true;
    }
    if (dlogits != 0) {
      const drow = dlogits + <usize>r * rb;
      if (!valid) {
        memory.fill(drow, 0, rb);
        continue;
      }
      for (let c = 0; c < classes; c++) {
        const p = Math.exp(<f64>load<f32>(row + (<usize>c << 2)) - mm) / se;
        const q = c == y ? qOn : qOff;
        store<f32>(drow + (<usize>c << 2), <f32>((p - q) / fr));
      }
    }
  }
  if (correct_out != 0) store<i32>(correct_out, correct);
  return bad ? NaN : total / fr;
}
