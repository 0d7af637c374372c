// Masked training for hard (magnitude) pruning. A mask is one byte per
// element: 0 = pruned, anything else = kept (kernels that write masks write
// 0 / 1). f32 pointers are byte addresses (16-byte aligned buffers from the
// host; unaligned still works); any n ≥ 0 (4-lane SIMD body + scalar tail
// with the same f32 operations, so results do not depend on n % 4).
import { sgdDirection4, sgdDirection1 } from "./sgd_update";

// Lane mask (all ones where mask byte != 0) for 4 elements from 4 mask bytes.
// @ts-ignore: decorator
@inline function laneMask4(mp: usize): v128 {
  const b = v128.load32_zero(mp);
  const w = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(b));
  return i32x4.ne(w, i32x4.splat(0));
}

// sgd.ts's update, with p and buf ANDed with the lane mask (+0 where pruned).
// @ts-ignore: decorator
@inline function mstep4(pp: usize, gp: usize, bp: usize, mp: usize, lr: v128, m: v128, damp1: v128, wd: v128,
  useWd: bool, useMom: bool, nesterov: bool, first: bool): void {
  const keep = laneMask4(mp);
  const p = v128.load(pp);
  const d = sgdDirection4(p, v128.load(gp), bp, m, damp1, wd, useWd, useMom, nesterov, first, true, keep);
  v128.store(pp, v128.and(f32x4.sub(p, f32x4.mul(lr, d)), keep));
}

// @ts-ignore: decorator
@inline function mstep1(pp: usize, gp: usize, bp: usize, mp: usize, lr: f32, m: f32, damp1: f32, wd: f32,
  useWd: bool, useMom: bool, nesterov: bool, first: bool): void {
  if (load<u8>(mp) == 0) {
    store<f32>(pp, 0);
    if (useMom) store<f32>(bp, 0);
    return;
  }
  const p = load<f32>(pp);
  store<f32>(pp, p - lr * sgdDirection1(p, load<f32>(gp), bp, m, damp1, wd, useWd, useMom, nesterov, first));
}

/**
 * sgd_step (torch.optim.SGD semantics, same f32 operation order, bit-identical
 * on kept entries) where mask_u8[i] != 0; where mask_u8[i] == 0 the parameter
 * and (when momentum != 0) its momentum buffer are written as exactly +0,
 * whatever the gradient, weight decay or buffer held (NaN/Inf included), so a
 * pruned weight can never move or regrow. buf may be 0 when momentum == 0.
 */
export function masked_sgd_step(param: usize, grad: usize, buf: usize, mask_u8: usize, n: i32, lr: f32,
  momentum: f32, dampening: f32, weight_decay: f32, nesterov: i32, first: i32): void {
  if (n <= 0) return;
  const useWd = weight_decay != 0;
  const useMom = momentum != 0;
  const nest = nesterov != 0 && useMom;
  const fst = first != 0;
  const damp1: f32 = 1 - dampening;
  const vlr = f32x4.splat(lr), vm = f32x4.splat(momentum), vd = f32x4.splat(damp1), vwd = f32x4.splat(weight_decay);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    mstep4(param + o, grad + o, buf + o, mask_u8 + <usize>i, vlr, vm, vd, vwd, useWd, useMom, nest, fst);
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    mstep1(param + o, grad + o, buf + o, mask_u8 + <usize>i, lr, momentum, damp1, weight_decay,
      useWd, useMom, nest, fst);
  }
}

/** x[i] = +0 where mask_u8[i] == 0; kept entries are untouched (same bits). */
export function apply_mask(x: usize, mask_u8: usize, n: i32): void {
  if (n <= 0) return;
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const p = x + (<usize>i << 2);
    v128.store(p, v128.and(v128.load(p), laneMask4(mask_u8 + <usize>i)));
  }
  for (let i = n4; i < n; i++) {
    if (load<u8>(mask_u8 + <usize>i) == 0) store<f32>(x + (<usize>i << 2), 0);
  }
}

/**
 * mask_u8[i] = 1 if x[i] != 0 else 0 (±0 → 0, NaN → 1). Returns the number of
 * ones.
 */
export function mask_from_nonzero(x: usize, mask_u8: usize, n: i32): i32 {
  if (n <= 0) return 0;
  const zero = f32x4.splat(0);
  const one = i8x16.splat(1);
  let c = 0;
  const n16 = n & ~15;
  for (let i = 0; i < n16; i += 16) {
    const p = x + (<usize>i << 2);
    const a = i16x8.narrow_i32x4_s(f32x4.ne(v128.load(p), zero), f32x4.ne(v128.load(p, 16), zero));
    const b = i16x8.narrow_i32x4_s(f32x4.ne(v128.load(p, 32), zero), f32x4.ne(v128.load(p, 48), zero));
    const m = i8x16.narrow_i16x8_s(a, b); // −1 / 0 per element
    v128.store(mask_u8 + <usize>i, v128.and(m, one));
    c += <i32>popcnt<u32>(<u32>i8x16.bitmask(m));
  }
  for (let i = n16; i < n; i++) {
    const nz = load<f32>(x + (<usize>i << 2)) != 0;
    store<u8>(mask_u8 + <usize>i, <u8>nz);
    c += i32(nz);
  }
  return c;
}

/** #{mask_u8[i] != 0}. */
export function mask_count(mask_u8: usize, n: i32): i32 {
  if (n <= 0) return 0;
  const zero = i8x16.splat(0);
  let c = 0;
  const n16 = n & ~15;
  for (let i = 0; i < n16; i += 16) {
    c += <i32>popcnt<u32>(<u32>i8x16.bitmask(i8x16.ne(v128.load(mask_u8 + <usize>i), zero)));
  }
  for (let i = n16; i < n; i++) c += i32(load<u8>(mask_u8 + <usize>i) != 0);
  return c;
}
