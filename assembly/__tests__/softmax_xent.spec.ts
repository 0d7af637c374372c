import { softmax_xent } from "../kernels/softmax_xent";
import { seedRnd, rngState, rnd, at, put } from "./util/buffers";
import { countCorrect } from "./util/reference";

seedRnd(0xABCDEF);
// Logits in [-4, 4) from the xorshift stream; labels from LCG steps on the same state.
function randomProblem(rows: i32, classes: i32, logits: usize, labels: usize): void {
  for (let i = 0; i < rows * classes; i++) put(logits, i, rnd(4));
  for (let r = 0; r < rows; r++) {
    const s = rngState() * 1103515245 + 12345;
    seedRnd(s);
    store<i32>(labels + (<usize>r << 2), <i32>(s >>> 16) % classes);
  }
}

// Naive f64 reference, written directly from the definition:
// p = exp(x) / Σ exp(x) (shifted by the max), q = (1 − ε)·onehot + ε/K,
// loss = mean_r −Σ_j q_j ln p_j, grad = (p − q) / rows.
function refLoss(l: usize, y: usize, rows: i32, k: i32, eps: f64, grad: StaticArray<f64>): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    let m: f64 = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, <f64>at(l, r * k + j));
    let s: f64 = 0;
    for (let j = 0; j < k; j++) s += Math.exp(<f64>at(l, r * k + j) - m);
    const label = load<i32>(y + (<usize>r << 2));
    for (let j = 0; j < k; j++) {
      const p = Math.exp(<f64>at(l, r * k + j) - m) / s;
      const q = (j == label ? 1.0 - eps : 0.0) + eps / k;
      total -= q * Math.log(p);
      grad[r * k + j] = (p - q) / rows;
    }
  }
  return total / rows;
}

describe("softmax_xent vs naive f64 reference", () => {
  it("loss, gradient and row sums on awkward shapes, ε = 0 and 0.1", () => {
    const R: i32[] = [1, 3, 250, 4, 7, 2];
    const C: i32[] = [1, 17, 10, 5, 3, 257];
    const E: f32[] = [0, 0.1];
    for (let e = 0; e < 2; e++) {
      const eps = E[e];
      for (let k = 0; k < R.length; k++) {
        const rows = R[k];
        const classes = C[k];
        const n = rows * classes;
        const l = heap.alloc(<usize>n << 2);
        const y = heap.alloc(<usize>rows << 2);
        const d = heap.alloc(<usize>(n + 1) << 2);
        store<f32>(d + (<usize>n << 2), -1234.5);
        randomProblem(rows, classes, l, y);
        const g = new StaticArray<f64>(n);
        const want = refLoss(l, y, rows, classes, <f64>eps, g);
        const got = softmax_xent(l, y, rows, classes, eps, d, 0);
        expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * max(Math.abs(want), 1));
        for (let i = 0; i < n; i++) {
          expect(Math.abs(<f64>at(d, i) - g[i])).toBeLessThanOrEqual(1e-7 * Math.abs(g[i]) + 1e-12);
        }
        for (let r = 0; r < rows; r++) {
          let s: f64 = 0;
          for (let j = 0; j < classes; j++) s += at(d, r * classes + j);
          expect(Math.abs(s)).toBeLessThan(1e-6 / rows);
        }
        expect(at(d, n)).toBe(-1234.5);
        heap.free(l);
        heap.free(y);
        heap.free(d);
      }
    }
  });
});

describe("softmax_xent finite differences", () => {
  it("dlogits matches the central difference of the returned loss", () => {
    const rows = 3;
    const classes = 17;
    const n = rows * classes;
    const E: f32[] = [0, 0.1];
    for (let e = 0; e < 2; e++) {
      const l = heap.alloc(<usize>n << 2);
      const y = heap.alloc(<usize>rows << 2);
      const d = heap.alloc(<usize>n << 2);
      randomProblem(rows, classes, l, y);
      softmax_xent(l, y, rows, classes, E[e], d, 0);
      for (let i = 0; i < n; i++) {
        const x0 = at(l, i);
        const xp = x0 + <f32>1e-3;
        const xm = x0 - <f32>1e-3;
        store<f32>(l + (<usize>i << 2), xp);
        const lp = softmax_xent(l, y, rows, classes, E[e], 0, 0);
        store<f32>(l + (<usize>i << 2), xm);
        const lm = softmax_xent(l, y, rows, classes, E[e], 0, 0);
        store<f32>(l + (<usize>i << 2), x0);
        const fd = (lp - lm) / (<f64>xp - <f64>xm); // actual f32 step
        const an = <f64>at(d, i);
        expect(Math.abs(fd - an)).toBeLessThanOrEqual(1e-3 * Math.abs(an) + 1e-6);
      }
      heap.free(l);
      heap.free(y);
      heap.free(d);
    }
  });
});

// PyTorch 2.13 golden values: F.cross_entropy(x.double(), y, label_smoothing=ε)
// and x.grad for logits[r][c] = ((7r + 3c) % 11 − 5)·0.375, y = [3, 1, 4, 2],
// ε = f32(0.1) passed as a double.
const T_LOSS: f64[] = [1.4696533023715672, 1.546528303517094];
const T_GRAD0: f64[] = [
  0.00565007147276267, 0.017403445347994692, 0.05360638559011738, -0.08488070789572369, 0.008220805484848902,
  0.04057829074515233, -0.12501006514648716, 0.006222882431846704, 0.019167827315410228, 0.059041064654077866,
  0.0161339133886596, 0.04969595185873352, 0.1530743082382903, 0.007621121049623239, -0.22652529453530662,
  0.14714309897681918, 0.007325823528618267, -0.22743487493494988, 0.06950547842331, 0.003460474006202428,
];
const T_GRAD1: f64[] = [
  0.0006500713982568636, 0.012403445273488887, 0.04860638551561157, -0.06488070759770045, 0.0032208054103430956,
  0.03557829067064652, -0.10501006484846392, 0.0012228823573408973, 0.014167827240904419, 0.05404106457957205,
  0.01113391331415379, 0.0446959517842277, 0.14807430816378445, 0.0026211209751174315, -0.20652529423728339,
  0.14214309890231336, 0.0023258234541124597, -0.20743487463692664, 0.06450547834880418, -0.0015395260683033784,
];

describe("softmax_xent vs PyTorch", () => {
  it("matches F.cross_entropy(label_smoothing) loss and grad, and counts correct rows", () => {
    const rows = 4;
    const classes = 5;
    const l = heap.alloc(80);
    const y = heap.alloc(16);
    const d = heap.alloc(80);
    const c = heap.alloc(16);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < classes; j++) {
        store<f32>(l + (<usize>(r * classes + j) << 2), <f32>(<f64>((7 * r + 3 * j) % 11 - 5) * 0.375));
      }
    }
    const labels: i32[] = [3, 1, 4, 2];
    for (let r = 0; r < rows; r++) store<i32>(y + (<usize>r << 2), labels[r]);
    const E: f32[] = [0, 0.1];
    for (let e = 0; e < 2; e++) {
      store<i32>(c, -1);
      const loss = softmax_xent(l, y, rows, classes, E[e], d, c);
      expect(Math.abs(loss - T_LOSS[e])).toBeLessThan(1e-14);
      const g = e == 0 ? T_GRAD0 : T_GRAD1;
      for (let i = 0; i < 20; i++) {
        // Our gradient is rounded to f32 once: half an ulp of |g| ≤ 0.25.
        expect(Math.abs(<f64>at(d, i) - g[i])).toBeLessThanOrEqual(1.5e-8);
      }
      expect(load<i32>(c)).toBe(2); // argmax = [3, 1, 2, 0]
    }
    heap.free(l);
    heap.free(y);
    heap.free(d);
    heap.free(c);
  });
});

describe("softmax_xent modes and edge cases", () => {
  it("eval mode (dlogits = 0) returns the same loss and count", () => {
    const rows = 250;
    const classes = 10;
    const l = heap.alloc(<usize>(rows * classes) << 2);
    const y = heap.alloc(<usize>rows << 2);
    const d = heap.alloc(<usize>(rows * classes) << 2);
    const c1 = heap.alloc(16);
    const c2 = heap.alloc(16);
    randomProblem(rows, classes, l, y);
    const a = softmax_xent(l, y, rows, classes, 0.1, d, c1);
    const b = softmax_xent(l, y, rows, classes, 0.1, 0, c2);
    expect(b).toBe(a);
    expect(load<i32>(c2)).toBe(load<i32>(c1));
    // Count agrees with a naive first-max argmax.
    expect(load<i32>(c1)).toBe(countCorrect(l, y, rows, classes));
    heap.free(l);
    heap.free(y);
    heap.free(d);
    heap.free(c1);
    heap.free(c2);
  });

  it("counts ties toward the first maximum", () => {
    const l = heap.alloc(16);
    const y = heap.alloc(16);
    const c = heap.alloc(16);
    store<f32>(l, 1);
    store<f32>(l, 3, 4);
    store<f32>(l, 3, 8);
    store<f32>(l, 0, 12);
    store<i32>(y, 1);
    softmax_xent(l, y, 1, 4, 0, 0, c);
    expect(load<i32>(c)).toBe(1);
    store<i32>(y, 2);
    softmax_xent(l, y, 1, 4, 0, 0, c);
    expect(load<i32>(c)).toBe(0);
    heap.free(l);
    heap.free(y);
    heap.free(c);
  });

  it("is stable for huge logits", () => {
    const l = heap.alloc(16);
    const y = heap.alloc(16);
    const d = heap.alloc(16);
    store<f32>(l, 1000);
    store<f32>(l, 0, 4);
    store<f32>(l, -1000, 8);
    store<i32>(y, 1);
    const loss = softmax_xent(l, y, 1, 3, 0, d, 0);
    expect(Math.abs(loss - 1000)).toBeLessThan(1e-9);
    expect(at(d, 0)).toBe(1);
    expect(at(d, 1)).toBe(-1);
    expect(at(d, 2)).toBe(0);
    heap.free(l);
    heap.free(y);
    heap.free(d);
  });

  it("returns NaN (no trap) for labels outside [0, classes)", () => {
    const rows = 3;
    const classes = 4;
    const l = heap.alloc(<usize>(rows * classes) << 2);
    const y = heap.alloc(16);
    const d = heap.alloc(<usize>(rows * classes) << 2);
    const c = heap.alloc(16);
    randomProblem(rows, classes, l, y);
    const bad: i32[] = [-1, 4, 0x7fffffff, -0x80000000];
    for (let b = 0; b < bad.length; b++) {
      store<i32>(y, bad[b], 4);
      for (let i = 0; i < rows * classes; i++) store<f32>(d + (<usize>i << 2), 9);
      expect(isNaN(softmax_xent(l, y, rows, classes, 0.1, d, c))).toBe(true);
      for (let j = 0; j < classes; j++) expect(at(d, classes + j)).toBe(0); // bad row: zero grad
      for (let j = 0; j < classes; j++) expect(at(d, j)).not.toBe(9); // other rows written
      expect(load<i32>(c)).toBeLessThanOrEqual(2);
    }
    heap.free(l);
    heap.free(y);
    heap.free(d);
    heap.free(c);
  });

  it("returns NaN and count 0 for rows = 0", () => {
    const c = heap.alloc(16);
    store<i32>(c, 5);
    expect(isNaN(softmax_xent(0, 0, 0, 10, 0, 0, c))).toBe(true);
    expect(load<i32>(c)).toBe(0);
    heap.free(c);
  });
});
