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
import { parallel, taskArgs, threadsFor, shareLo, ensureThreadBuffers, threadBuffer } from "../parallel";

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
  // Rows over threads: each row's loss goes to its slot and the slots are
  // added in row order afterwards, as one thread adds them (the same bits).
  const nt = threadsFor(rows, max(1, XENT_MIN_ELEMENTS / classes));
  ensureThreadBuffers(nt, exOffset(rows) + (<usize>classes << 3));
  const p = taskArgs();
  store<usize>(p, logits); store<usize>(p + 4, labels_i32); store<i32>(p + 8, rows); store<i32>(p + 12, classes);
  store<f32>(p + 16, smoothing); store<usize>(p + 20, dlogits);
  parallel(xent_task, p, nt);
  const losses = threadBuffer(0), flags = losses + (<usize>rows << 3);
  let total: f64 = 0;
  let correct = 0;
  let bad = false;
  for (let r = 0; r < rows; r++) {
    const f = load<u8>(flags + <usize>r);
    if (f == FLAG_BAD) {
      bad = true;
      continue;
    }
    total += load<f64>(losses + (<usize>r << 3));
    correct += <i32>f;
  }
  if (correct_out != 0) store<i32>(correct_out, correct);
  return bad ? NaN : total / <f64>rows;
}

// Elements (rows × classes) a thread should get before the rows are split.
const XENT_MIN_ELEMENTS: i32 = 1024;
// A row's flag: 0 argmax ≠ label, 1 argmax = label, FLAG_BAD label outside [0, classes).
const FLAG_BAD: u8 = 2;

// Thread buffers: thread 0's holds the rows' losses (f64) and flags (u8);
// every part's row of exp z_j starts after them.
// @ts-ignore: decorator
@inline function exOffset(rows: i32): usize {
  return (<usize>rows * 9 + 7) & ~<usize>7;
}

function xent_task(tid: i32, nt: i32, p: usize): void {
  const rows = load<i32>(p + 8);
  xentRows(load<usize>(p), load<usize>(p + 4), rows, load<i32>(p + 12), load<f32>(p + 16), load<usize>(p + 20),
    shareLo(rows, tid, nt), shareLo(rows, tid + 1, nt), threadBuffer(0), threadBuffer(tid) + exOffset(rows));
}

// Rows [r0, r1): row r's loss at losses[r] (f64) and its flag after the
// rows' losses, its gradient in dlogits (when != 0). ex holds the row's
// exp z_j, so each is computed once.
function xentRows(logits: usize, labels_i32: usize, rows: i32, classes: i32, smoothing: f32, dlogits: usize,
  r0: i32, r1: i32, losses: usize, ex: usize): void {
  const eps = <f64>smoothing;
  const k = <f64>classes;
  const qOff = eps / k; // target of every non-label class
  const qOn = (1.0 - eps) + qOff; // target of the label class
  const fr = <f64>rows;
  const rb = <usize>classes << 2;
  for (let r = r0; r < r1; r++) {
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
      const e = Math.exp(z);
      store<f64>(ex + (<usize>c << 3), e);
      se += e;
      sz += z;
    }
    const lse = Math.log(se);
    const y = load<i32>(labels_i32 + (<usize>r << 2));
    const valid = <u32>y < <u32>classes;
    const flag = losses + (<usize>rows << 3) + <usize>r;
    if (valid) {
      const zy = <f64>load<f32>(row + (<usize>y << 2)) - mm;
      store<f64>(losses + (<usize>r << 3), (1.0 - eps) * (lse - zy) + eps * (lse - sz / k));
      store<u8>(flag, <u8>(arg == y));
    } else {
      store<u8>(flag, FLAG_BAD);
    }
    if (dlogits != 0) {
      const drow = dlogits + <usize>r * rb;
      if (!valid) {
        memory.fill(drow, 0, rb);
        continue;
      }
      for (let c = 0; c < classes; c++) {
        const p = load<f64>(ex + (<usize>c << 3)) / se;
        const q = c == y ? qOn : qOff;
        store<f32>(drow + (<usize>c << 2), <f32>((p - q) / fr));
      }
    }
  }
}
