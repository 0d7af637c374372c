// Sgd (src/optim/sgd.ts → assembly/kernels/sgd.ts) against a JS
// re-implementation of torch.optim.SGD's for-loop `_single_tensor_sgd`:
//
//   d = g;  if wd ≠ 0: d = d.add(p, alpha=wd)
//   if m ≠ 0: buf = d.clone() on the first step, else buf.mul_(m).add_(d, alpha=1−damp)
//             d = d.add(buf, alpha=m) if nesterov else buf
//   p.add_(d, alpha=−lr)
//
// in f32, one rounding per PyTorch operation. PyTorch's CPU `add(x, alpha=a)`
// is a fused multiply-add (one rounding of self + a·x), which the kernel
// reproduces, so the reference below uses an exactly rounded f32 FMA — computed
// by a different method than the kernel's (TwoSum + tie detection instead of
// round-to-odd) — and `Math.fround` for the plain `mul_`. With the same order
// of operations the results are bit-exact; no tolerance is needed.
// Scalars are f32 as the kernel receives them (lr, momentum, wd, dampening);
// 1 − dampening is rounded from f32(dampening) as the kernel does (PyTorch
// rounds it from the double; the two agree for the dampenings used here, 0
// and 0.25). Random data almost never meets the one hard case of an emulated
// FMA (an f32 tie hidden by f64 rounding, ~2^-29 of random inputs), so it is
// also constructed on purpose below.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Engine } from "../src/engine/engine.ts";
import { Tensor } from "../src/engine/tensor.ts";
import { Sgd, type SgdOptions } from "../src/optim/sgd.ts";
import type { Param } from "../src/nn/layer.ts";
import { ShrinkError } from "../src/io/errors.ts";
import { engine, lcg, bits } from "./helpers/engine.ts";

const f = Math.fround;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The f32 adjacent to the (finite) f32 r in the direction of `toward`. */
function nextF32(r: number, toward: number): number {
  if (r === 0) return toward > 0 ? 2 ** -149 : -(2 ** -149);
  f32[0] = r;
  u32[0] += (r > 0) === (toward > r) ? 1 : -1;
  return f32[0];
}

/**
 * a·b + c rounded once to f32 (a, b, c are f32 values). a·b is exact in f64;
 * TwoSum gives s + err = a·b + c exactly. Rounding s to f32 is then correct
 * unless s is exactly halfway between two f32s (f64 rounding landed on the tie),
 * in which case the sign of err decides.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = f(s);
  if (!Number.isFinite(s) || !Number.isFinite(r) || r === s) return r;
  const bb = s - p;
  const err = (p - (s - bb)) + (c - bb);
  if (err === 0) return r;
  const other = nextF32(r, s);
  if ((r + other) / 2 !== s) return r;
  fma32.ties++;
  return (err > 0) === (other > r) ? other : r;
}
/** How often the exact result fell just off an f32 tie that f64 rounding landed on. */
fma32.ties = 0;

interface RefState {
  p: Float32Array;
  buf: Float32Array | null;
}

/** One step of torch.optim.SGD, element by element; `fused` false rounds the product first (for contrast). */
function refStep(st: RefState, g: Float32Array, lr: number, o: SgdOptions, fused = true): void {
  const fma = fused ? fma32 : (a: number, b: number, c: number) => f(c + f(a * b));
  // The kernel's scalar arguments are f32.
  const wd = f(o.weightDecay), m = f(o.momentum), damp1 = f(1 - f(o.dampening)), negLr = -f(lr);
  const first = st.buf === null;
  if (m !== 0 && first) st.buf = new Float32Array(st.p.length);
  for (let i = 0; i < st.p.length; i++) {
    const p = st.p[i];
    let d = g[i];
    if (wd !== 0) d = fma(p, wd, d);
    if (m !== 0) {
      const buf = first ? d : fma(d, damp1, f(st.buf![i] * m));
      st.buf![i] = buf;
      d = o.nesterov ? fma(buf, m, d) : buf;
    }
    st.p[i] = fma(d, negLr, p);
  }
}

/** Values spread over many binades with random signs (rounding is exercised at every scale). */
function spread(rand: () => number, n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => (rand() < 0.5 ? -1 : 1) * f(2 ** (lo + (hi - lo) * rand()) * (1 + rand())));
}

function makeParams(e: Engine, sizes: number[], rand: () => number): Param[] {
  return sizes.map((n, i) => ({
    name: `t${i}`,
    value: new Tensor(e, [n]).set(spread(rand, n, -6, 2)),
    grad: new Tensor(e, [n]),
    kind: i % 2 ? "bias" : "weight",
  }));
}

// Sizes cover the 4-lane body, the scalar tail (n mod 4 = 1, 2, 3) and a tail-only tensor.
const SIZES = [1, 3, 4, 7, 10, 1003, 4096];
const LRS = [0.1, 0.0625, 0.013];

const CONFIGS: [string, SgdOptions][] = [
  ["momentum 0.9, Nesterov, weight decay 5e-4", { momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: true }],
  ["momentum 0.9, no Nesterov, weight decay 5e-4", { momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: false }],
  ["momentum 0, weight decay 5e-4", { momentum: 0, dampening: 0, weightDecay: 5e-4, nesterov: false }],
  ["momentum 0, no weight decay", { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false }],
  ["momentum 0.9, Nesterov, no weight decay", { momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true }],
  ["momentum 0.5, dampening 0.25, weight decay 1e-2", { momentum: 0.5, dampening: 0.25, weightDecay: 1e-2, nesterov: false }],
];

for (const [label, opts] of CONFIGS) {
  test(`Sgd ${label}: 3 steps are bit-exact with torch.optim.SGD (fused adds, f32)`, async () => {
    const e = await engine();
    const rand = lcg(label.length * 7919);
    const params = makeParams(e, SIZES, rand);
    const sgd = new Sgd(e, params, opts);
    const initial = params.map((p) => p.value.toArray());
    const ref: RefState[] = params.map((p) => ({ p: p.value.toArray(), buf: null }));
    const unfused: RefState[] = params.map((p) => ({ p: p.value.toArray(), buf: null }));
    let differsFromUnfused = 0;
    try {
      for (let step = 0; step < LRS.length; step++) {
        for (let i = 0; i < params.length; i++) {
          const g = spread(rand, params[i].value.size, -8, 1);
          params[i].grad.set(g);
          refStep(ref[i], g, LRS[step], opts);
          refStep(unfused[i], g, LRS[step], opts, false);
        }
        sgd.step(LRS[step]);
        for (let i = 0; i < params.length; i++) {
          const got = bits(params[i].value.toArray());
          const want = bits(ref[i].p);
          for (let j = 0; j < got.length; j++) {
            if (got[j] !== want[j]) {
              const v = params[i].value.toArray()[j];
              assert.fail(`step ${step + 1}, tensor ${i} (n = ${got.length}), element ${j}: kernel ${v}, reference ${ref[i].p[j]}`);
            }
          }
          const alt = bits(unfused[i].p);
          for (let j = 0; j < got.length; j++) if (got[j] !== alt[j]) differsFromUnfused++;
        }
      }
      // The comparison has teeth: rounding the products separately gives other
      // bits for some elements, and the kernel agrees with the fused form instead.
      assert.ok(differsFromUnfused > 0, "an unfused implementation would have passed too");
      // And the parameters actually moved.
      for (let i = 0; i < params.length; i++) {
        const now = params[i].value.toArray();
        assert.ok(now.some((v, j) => v !== initial[i][j]), `tensor ${i} changed`);
      }
    } finally {
      sgd.free();
      for (const p of params) { p.value.free(); p.grad.free(); }
    }
  });
}

test("fma32 reference: the double-rounding case (exact sum just below an f32 tie) rounds correctly", () => {
  // (1 − 2^-23)·(1 + 2^-23)·2^-24 + (1 + 2^-23) = 1 + 3·2^-24 − 2^-70: just below the
  // tie between 1 + 2^-23 and 1 + 2^-22. f64 rounds it onto the tie, and f32
  // ties-to-even would then pick 1 + 2^-22; the correct result is 1 + 2^-23.
  const a = f(1 - 2 ** -23), b = f((1 + 2 ** -23) * 2 ** -24), c = f(1 + 2 ** -23);
  assert.equal(f(a * b + c), 1 + 2 ** -22, "naive f64 then f32 double-rounds");
  assert.equal(fma32(a, b, c), 1 + 2 ** -23);
  assert.equal(fma32(-a, -b, c), 1 + 2 ** -23);
  assert.equal(fma32(a, -b, -c), -(1 + 2 ** -23));
  assert.equal(fma32(2, 3, 1), 7);
  assert.equal(fma32(f(0.1), f(0.2), f(0.3)), f(f(0.1) * f(0.2) + f(0.3)));
});

test("sgd_step on the double-rounding case: p ← fma(g, −lr, p) is correctly rounded in both the SIMD body and the scalar tail", async () => {
  const e = await engine();
  // momentum 0, no weight decay: p_new = fma(g, −lr, p) with g·(−lr) = 2^-24 − 2^-70.
  const n = 5; // 4 SIMD lanes + 1 tail element
  const p0 = f(1 + 2 ** -23), lr = f(1 - 2 ** -23), g = -f((1 + 2 ** -23) * 2 ** -24);
  const value = new Tensor(e, [n]).set(new Array(n).fill(p0));
  const grad = new Tensor(e, [n]).set(new Array(n).fill(g));
  const sgd = new Sgd(e, [{ name: "w", value, grad, kind: "weight" }], { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false });
  try {
    sgd.step(lr);
    assert.deepEqual([...value.toArray()], new Array(n).fill(1 + 2 ** -23), "correct rounding (unfused or f64-then-f32 would give 1 + 2^-22)");
  } finally {
    sgd.free();
    value.free();
    grad.free();
  }
});

test("tie-heavy inputs: fused adds that meet f32 ties hidden by f64 rounding are bit-exact in SIMD body and tail, in 4 configurations", async () => {
  // Operands of the form (1 + j·2^-23)·2^e with lr = 1 − 2^-23 and wd = (1 + 2^-23)·2^-24
  // make a·b carry bits down at 2^-70 while a·b + c sits on an f32 midpoint:
  // exactly the case where computing in f64 and rounding to f32 is wrong.
  const e = await engine();
  const rand = lcg(4242);
  const pick = <T,>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const near1 = (e2: number[]) => () => (rand() < 0.5 ? -1 : 1) * f((1 + pick([-1, 0, 1, 2, 3]) * 2 ** -23) * 2 ** pick(e2));
  const pv = near1([0, 1]), gv = near1([-24, -25, -23, -1]);
  const n = 4 * 512 + 3;
  const lr = f(1 - 2 ** -23);
  const configs: SgdOptions[] = [
    { momentum: 0, dampening: 0, weightDecay: f((1 + 2 ** -23) * 2 ** -24), nesterov: false },
    { momentum: f(1 - 2 ** -23), dampening: 0, weightDecay: f((1 + 2 ** -23) * 2 ** -24), nesterov: true },
    { momentum: 0.5, dampening: 0, weightDecay: 0, nesterov: false },
    { momentum: f(1 - 2 ** -23), dampening: 0.5, weightDecay: 0, nesterov: false },
  ];
  for (const opts of configs) {
    const init = Float32Array.from({ length: n }, pv);
    const value = new Tensor(e, [n]).set(init), grad = new Tensor(e, [n]);
    const sgd = new Sgd(e, [{ name: "w", value, grad, kind: "weight" }], opts);
    const ref: RefState = { p: init.slice(), buf: null };
    fma32.ties = 0;
    try {
      for (let step = 0; step < 3; step++) {
        const g = Float32Array.from({ length: n }, gv);
        grad.set(g);
        refStep(ref, g, lr, opts);
        sgd.step(lr);
        const got = value.toArray();
        for (let j = 0; j < n; j++) {
          if (!Object.is(got[j], ref.p[j])) assert.fail(`${JSON.stringify(opts)} step ${step + 1} element ${j}: kernel ${got[j]}, reference ${ref.p[j]}`);
        }
      }
      assert.ok(fma32.ties >= 10, `${JSON.stringify(opts)}: only ${fma32.ties} hidden ties exercised`);
    } finally {
      sgd.free();
      value.free();
      grad.free();
    }
  }
});

test("Sgd frees its momentum buffers, and rejects Nesterov without momentum with a ShrinkError naming the option", async () => {
  const e = await engine();
  const before = { n: e.liveBuffers, b: e.liveBytes };
  const params = makeParams(e, [10, 3], lcg(1));
  const mid = { n: e.liveBuffers, b: e.liveBytes };
  const sgd = new Sgd(e, params, { momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true });
  assert.equal(e.liveBuffers, mid.n + 2, "one momentum buffer per parameter");
  assert.equal(e.liveBytes, mid.b + 13 * 4);
  sgd.free();
  assert.equal(e.liveBuffers, mid.n);
  assert.equal(e.liveBytes, mid.b);
  const plain = new Sgd(e, params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false });
  assert.equal(e.liveBuffers, mid.n, "no buffers without momentum");
  plain.free();
  assert.throws(
    () => new Sgd(e, params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: true }),
    (err: unknown) => err instanceof ShrinkError && err.code === "E_ARG" && /--nesterov/.test(err.message),
  );
  assert.throws(
    () => new Sgd(e, params, { momentum: 1, dampening: 0, weightDecay: 0, nesterov: false }),
    (err: unknown) => err instanceof ShrinkError && /--momentum/.test(err.message),
  );
  for (const p of params) { p.value.free(); p.grad.free(); }
  assert.deepEqual({ n: e.liveBuffers, b: e.liveBytes }, before);
});
