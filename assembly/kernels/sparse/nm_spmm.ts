// N:M sparse × dense for inference: a weight [rows × cols] whose every group
// of m consecutive columns holds at most n nonzeros, stored as exactly n
// (value, position-in-group) slots per group (padded with zeros), so no row
// pointers and one byte per index. Layout and lanes as spmm.ts:
//   C[o, 0..mm) = Σ_g Σ_{t<n} values[o,g,t] · B[g·m + idx[o,g,t], 0..mm) (+ bias[o])
// summed in (g, t) order.
// @ts-nocheck
import { parallelRange, taskArgs } from "../../parallel";
import { sparseThreadsFor } from "./spmm";

/** Packs w[rows × cols] (cols a multiple of m); returns 0, or −1 when a group holds more than n nonzeros. */
export function nm_pack(w: usize, rows: i32, cols: i32, n: i32, m: i32, values: usize, idx: usize): i32 {
  const groups = cols / m;
  let s: usize = 0;
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      let t = 0;
      for (let j = 0; j < m; j++) {
        const v = load<f32>(w + ((<usize>r * <usize>cols + <usize>(g * m + j)) << 2));
        if (v == 0) continue;
        if (t == n) return -1;
        store<f32>(values + ((s + <usize>t) << 2), v);
        store<u8>(idx + s + <usize>t, <u8>j);
        t++;
      }
      for (; t < n; t++) {
        store<f32>(values + ((s + <usize>t) << 2), 0);
        store<u8>(idx + s + <usize>t, 0);
      }
      s += <usize>n;
    }
  }
  return 0;
}

@inline function tile16(vp: usize, ip: usize, groups: i32, n: i32, m: i32, b: usize, ldb: usize, c: usize, bias: f32): void {
  let a0 = f32x4.splat(bias), a1 = a0, a2 = a0, a3 = a0;
  let s: usize = 0;
  const gstep = <usize>m * ldb;
  let base = b;
  for (let g = 0; g < groups; g++) {
    for (let t = 0; t < n; t++) {
      const w = f32x4.splat(load<f32>(vp + (s << 2)));
      const r = base + <usize>load<u8>(ip + s) * ldb;
      a0 = f32x4.add(a0, f32x4.mul(w, v128.load(r)));
      a1 = f32x4.add(a1, f32x4.mul(w, v128.load(r, 16)));
      a2 = f32x4.add(a2, f32x4.mul(w, v128.load(r, 32)));
      a3 = f32x4.add(a3, f32x4.mul(w, v128.load(r, 48)));
      s++;
    }
    base += gstep;
  }
  v128.store(c, a0); v128.store(c, a1, 16); v128.store(c, a2, 32); v128.store(c, a3, 48);
}

// The 2:4 case unrolled: two slots per group, the group's base row advanced once.
@inline function tile16n2(vp: usize, ip: usize, groups: i32, m: i32, b: usize, ldb: usize, c: usize, bias: f32): void {
  let a0 = f32x4.splat(bias), a1 = a0, a2 = a0, a3 = a0;
  const gstep = <usize>m * ldb;
  let base = b, v = vp, ix = ip;
  for (let g = 0; g < groups; g++) {
    const w0 = f32x4.splat(load<f32>(v)), w1 = f32x4.splat(load<f32>(v, 4));
    const r0 = base + <usize>load<u8>(ix) * ldb, r1 = base + <usize>load<u8>(ix, 1) * ldb;
    a0 = f32x4.add(f32x4.add(a0, f32x4.mul(w0, v128.load(r0))), f32x4.mul(w1, v128.load(r1)));
    a1 = f32x4.add(f32x4.add(a1, f32x4.mul(w0, v128.load(r0, 16))), f32x4.mul(w1, v128.load(r1, 16)));
    a2 = f32x4.add(f32x4.add(a2, f32x4.mul(w0, v128.load(r0, 32))), f32x4.mul(w1, v128.load(r1, 32)));
    a3 = f32x4.add(f32x4.add(a3, f32x4.mul(w0, v128.load(r0, 48))), f32x4.mul(w1, v128.load(r1, 48)));
    base += gstep;
    v += 8;
    ix += 2;
  }
  v128.store(c, a0); v128.store(c, a1, 16); v128.store(c, a2, 32); v128.store(c, a3, 48);
}

/** y[o] = Σ_g Σ_t values[o,g,t]·x[g·m + idx[o,g,t]] (+ bias) for rows [r0, r1): one sample, four partial sums over groups. */
function nmSpmvRows(r0: i32, r1: i32, cols: i32, n: i32, m: i32, values: usize, idx: usize, x: usize, y: usize, bias: usize): void {
  const groups = cols / m;
  const slots = groups * n;
  if (n == 2) {
    // 2:4 unrolled over pairs of groups: four partial sums, combined in a fixed order.
    const mB = <usize>m << 2;
    for (let r = r0; r < r1; r++) {
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
      let v = values + (<usize>(r * slots) << 2), ix = idx + <usize>(r * slots);
      let xg = x;
      let g = 0;
      for (; g + 2 <= groups; g += 2) {
        s0 += load<f32>(v) * load<f32>(xg + (<usize>load<u8>(ix) << 2));
        s1 += load<f32>(v, 4) * load<f32>(xg + (<usize>load<u8>(ix, 1) << 2));
        s2 += load<f32>(v, 8) * load<f32>(xg + mB + (<usize>load<u8>(ix, 2) << 2));
        s3 += load<f32>(v, 12) * load<f32>(xg + mB + (<usize>load<u8>(ix, 3) << 2));
        v += 16;
        ix += 4;
        xg += mB << 1;
      }
      if (g < groups) {
        s0 += load<f32>(v) * load<f32>(xg + (<usize>load<u8>(ix) << 2));
        s1 += load<f32>(v, 4) * load<f32>(xg + (<usize>load<u8>(ix, 1) << 2));
      }
      store<f32>(y + (<usize>r << 2), ((s0 + s1) + (s2 + s3)) + (bias ? load<f32>(bias + (<usize>r << 2)) : 0));
    }
    return;
  }
  for (let r = r0; r < r1; r++) {
    let s0: f32 = 0, s1: f32 = 0;
    let v = values + (<usize>(r * slots) << 2), ix = idx + <usize>(r * slots);
    let xg = x;
    for (let g = 0; g < groups; g++) {
      for (let t = 0; t < n; t += 2) {
        s0 += load<f32>(v) * load<f32>(xg + (<usize>load<u8>(ix) << 2));
        if (t + 1 < n) s1 += load<f32>(v, 4) * load<f32>(xg + (<usize>load<u8>(ix, 1) << 2));
        v += 8;
        ix += 2;
      }
      if (n & 1) { v -= 4; ix -= 1; }
      xg += <usize>m << 2;
    }
    store<f32>(y + (<usize>r << 2), (s0 + s1) + (bias ? load<f32>(bias + (<usize>r << 2)) : 0));
  }
}

/** C[rows × mm] (row stride ldc) = W·B + bias for a packed N:M W; B [cols × mm] (row stride ldb). Rows split over threads (each computed as on one thread). */
export function nm_spmm(rows: i32, cols: i32, n: i32, m: i32, values: usize, idx: usize, b: usize, ldb: i32, mm: i32, c: usize, ldc: i32, bias: usize): void {
  const nt = sparseThreadsFor(rows, <i64>rows * <i64>(cols / max(m, 1) * n) * <i64>max(mm, 1));
  if (nt <= 1) return nmRows(0, rows, cols, n, m, values, idx, b, ldb, mm, c, ldc, bias);
  const p = taskArgs();
  store<i32>(p, rows); store<i32>(p + 4, cols); store<i32>(p + 8, n); store<i32>(p + 12, m); store<usize>(p + 16, values); store<usize>(p + 20, idx);
  store<usize>(p + 24, b); store<i32>(p + 28, ldb); store<i32>(p + 32, mm); store<usize>(p + 36, c); store<i32>(p + 40, ldc); store<usize>(p + 44, bias);
  parallelRange(nm_range, rows, 1, nt, p);
}

function nm_range(r0: i32, r1: i32, p: usize, tid: i32): void {
  nmRows(r0, r1, load<i32>(p + 4), load<i32>(p + 8), load<i32>(p + 12), load<usize>(p + 16), load<usize>(p + 20),
    load<usize>(p + 24), load<i32>(p + 28), load<i32>(p + 32), load<usize>(p + 36), load<i32>(p + 40), load<usize>(p + 44));
}

function nmRows(r0: i32, r1: i32, cols: i32, n: i32, m: i32, values: usize, idx: usize, b: usize, ldb: i32, mm: i32, c: usize, ldc: i32, bias: usize): void {
  if (mm == 1 && ldc == 1) return nmSpmvRows(r0, r1, cols, n, m, values, idx, b, c, bias);
  const ldbB = <usize>ldb << 2;
  const slots = cols / m * n;
  let x = 0;
  for (; x + 16 <= mm; x += 16) {
    for (let r = r0; r < r1; r++) {
      const off = <usize>r * <usize>slots;
      if (n == 2) tile16n2(values + (off << 2), idx + off, cols / m, m, b + (<usize>x << 2), ldbB, c + ((<usize>r * <usize>ldc + <usize>x) << 2), bias ? load<f32>(bias + (<usize>r << 2)) : 0);
      else tile16(values + (off << 2), idx + off, cols / m, n, m, b + (<usize>x << 2), ldbB, c + ((<usize>r * <usize>ldc + <usize>x) << 2), bias ? load<f32>(bias + (<usize>r << 2)) : 0);
    }
  }
  for (let r = r0; r < r1; r++) {
    const off = <usize>r * <usize>slots;
    const bv: f32 = bias ? load<f32>(bias + (<usize>r << 2)) : 0;
    for (let xx = x; xx < mm; xx++) {
      let acc: f32 = bv;
      for (let s = 0; s < slots; s++) {
        const col = (s / n) * m + <i32>load<u8>(idx + off + <usize>s);
        acc += load<f32>(values + ((off + <usize>s) << 2)) * load<f32>(b + <usize>col * ldbB + (<usize>xx << 2));
      }
      store<f32>(c + ((<usize>r * <usize>ldc + <usize>xx) << 2), acc);
    }
  }
}
