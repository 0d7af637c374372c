// SGD step with torch.optim.SGD semantics (for-loop `_single_tensor_sgd`,
// the implementation PyTorch uses for CPU tensors), reproducing its f32
// rounding step by step:
//   d   = g                                   ; wd == 0 (PyTorch skips the add)
//   d   = fma(p, wd, g)                       ; grad.add(param, alpha=wd)
//   buf = d                                   ; first step (buffer clone)
//   buf = fma(d, 1 − dampening, buf·momentum) ; buf.mul_(m).add_(d, alpha=1−damp)
//   d   = fma(buf, momentum, d) | buf         ; nesterov | plain momentum
//   p   = fma(d, −lr, p)                      ; param.add_(d, alpha=−lr)
// every intermediate rounded to f32. PyTorch's CPU `add(x, alpha=a)` kernel
// is `fmadd(x, a, self)`: a fused multiply-add (one rounding) on AVX2/NEON,
// vector body and tail alike, so `fma` above is a correctly rounded f32 FMA.
// Wasm has no FMA outside relaxed SIMD, so it is emulated exactly: the
// product of two f32 is exact in f64, the f64 sum is made round-to-odd with
// TwoSum, and round-to-odd at 53 bits followed by rounding to 24 bits is
// correctly rounded (Boldo & Melquiond, "Emulation of FMA and correctly
// rounded sums: proved algorithms using rounding to odd", 2008).

// a·b + c for two f64 lanes holding f32 values, rounded to odd (see above).
// @ts-ignore: decorator
@inline function fma_odd2(a: v128, b: v128, c: v128): v128 {
  const ONE_I64 = i64x2.splat(1);
  const ZERO = i64x2.splat(0);
  const INF_F64 = f64x2.splat(Infinity);
  const p = f64x2.mul(a, b); // exact: 24 + 24 significant bits
  const s = f64x2.add(p, c);
  const bv = f64x2.sub(s, p); // TwoSum (Knuth): s + err == p + c exactly
  const err = f64x2.add(f64x2.sub(p, f64x2.sub(s, bv)), f64x2.sub(c, bv));
  const need = v128.and(
    v128.and(f64x2.ne(err, ZERO), i64x2.eq(v128.and(s, ONE_I64), ZERO)), // inexact, even
    f64x2.lt(f64x2.abs(s), INF_F64) // finite (err is NaN for ±Inf/NaN)
  );
  // One ulp toward the exact value: +1 on the bit pattern if err has s's sign.
  const step = v128.or(i64x2.shr_s(v128.xor(err, s), 63), ONE_I64);
  return i64x2.add(s, v128.and(step, need));
}

// Correctly rounded f32 fma, four lanes: a·b + c.
// @ts-ignore: decorator
@inline function fma4(a: v128, b: v128, c: v128): v128 {
  const lo = fma_odd2(
    f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b), f64x2.promote_low_f32x4(c)
  );
  const hi = fma_odd2(
    f64x2.promote_low_f32x4(i64x2.shuffle(a, a, 1, 1)),
    f64x2.promote_low_f32x4(i64x2.shuffle(b, b, 1, 1)),
    f64x2.promote_low_f32x4(i64x2.shuffle(c, c, 1, 1))
  );
  return i64x2.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2);
}

// Correctly rounded f32 fma, scalar (same algorithm, same bits as fma4).
// @ts-ignore: decorator
@inline function fma1(a: f32, b: f32, c: f32): f32 {
  const p = <f64>a * <f64>b;
  const cc = <f64>c;
  let s = p + cc;
  const bv = s - p;
  const err = (p - (s - bv)) + (cc - bv);
  let bits = reinterpret<u64>(s);
  if (err != 0 && (bits & 1) == 0 && abs<f64>(s) < Infinity) {
    bits += (err > 0) == (s > 0) ? 1 : <u64>-1;
    s = reinterpret<f64>(bits);
  }
  return <f32>s;
}

/**
 * One SGD step over n f32 parameters (formulas and rounding order above).
 * buf is the momentum buffer (n f32), unused and may be 0 when momentum == 0;
 * first != 0 means "buffer not yet created": buf is set to d, as PyTorch does.
 * nesterov != 0 selects Nesterov momentum.
 */
export function sgd_step(
  param: usize, grad: usize, buf: usize, n: i32,
  lr: f32, momentum: f32, dampening: f32, weight_decay: f32,
  nesterov: i32, first: i32
): void {
  if (n <= 0) return;
  const useWd = weight_decay != 0;
  const useM = momentum != 0;
  const damp1: f32 = 1 - dampening; // PyTorch: alpha = 1 − dampening
  const negLr: f32 = -lr;
  const vWd = f32x4.splat(weight_decay);
  const vM = f32x4.splat(momentum);
  const vDamp1 = f32x4.splat(damp1);
  const vNegLr = f32x4.splat(negLr);
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) {
    const p = v128.load(param + o);
    let d = v128.load(grad + o);
    if (useWd) d = fma4(p, vWd, d);
    if (useM) {
      let b = d;
      if (!first) b = fma4(d, vDamp1, f32x4.mul(v128.load(buf + o), vM));
      v128.store(buf + o, b);
      d = nesterov ? fma4(b, vM, d) : b;
    }
    v128.store(param + o, fma4(d, vNegLr, p));
  }
  for (; o < nb; o += 4) {
    const p = load<f32>(param + o);
    let d = load<f32>(grad + o);
    if (useWd) d = fma1(p, weight_decay, d);
    if (useM) {
      let b = d;
      if (!first) b = fma1(d, damp1, load<f32>(buf + o) * momentum);
      store<f32>(buf + o, b);
      d = nesterov ? fma1(b, momentum, d) : b;
    }
    store<f32>(param + o, fma1(d, negLr, p));
  }
}
