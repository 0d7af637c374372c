import { masked_sgd_step, apply_mask, mask_from_nonzero, mask_count } from "../kernels/masked_sgd";
import { sgd_step } from "../kernels/sgd";
import {
  seedRnd, nextU32, at, bitsAt, byteAt, put, randBuf, cloneBuf, randMask,
} from "./util/buffers";

seedRnd(0x9E3779B9);
// randMask(n): about half kept, kept bytes drawn from {1, 7, 255}, 0xAB at n.
function kept(m: usize, i: i32): bool {
  return byteAt(m, i) != 0;
}

const SIZES: i32[] = [1, 3, 4, 15, 16, 17, 33, 255, 256, 257];

describe("masked_sgd_step", () => {
  it("pruned entries stay exactly +0 (param and buf) and kept entries equal sgd_step bit-exact", () => {
    // lr, momentum, dampening, weight_decay, nesterov
    const LR: f32[] = [0.1, 0.05, 0.1, 0.3];
    const MOM: f32[] = [0.9, 0.9, 0, 0];
    const DAMP: f32[] = [0, 0.1, 0, 0];
    const WD: f32[] = [5e-4, 0.01, 0.01, 0];
    const NEST: bool[] = [true, false, false, false];
    for (let c = 0; c < LR.length; c++) {
      for (let s = 0; s < SIZES.length; s++) {
        const n = SIZES[s];
        const mask = randMask(n);
        const p = randBuf(n, 2);
        for (let i = 0; i < n; i++) if (at(p, i) == 0) put(p, i, 0.5); // every start nonzero
        const rp = cloneBuf(p, n);
        const useBuf = MOM[c] != 0;
        const buf = useBuf ? randBuf(n, 1) : 0;
        const rbuf = useBuf ? cloneBuf(buf, n) : 0;
        let badPruned = 0, badKept = 0;
        for (let step = 0; step < 5; step++) {
          const g = randBuf(n, 1);
          for (let i = 0; i < n; i++) {
            if (at(g, i) == 0) put(g, i, 0.25); // nonzero gradients everywhere
            if (!kept(mask, i) && (i % 5) == 1) put(g, i, i & 2 ? NaN : -Infinity);
          }
          const first = step == 0;
          masked_sgd_step(p, g, buf, mask, n, LR[c], MOM[c], DAMP[c], WD[c], NEST[c] ? 1 : 0, first ? 1 : 0);
          sgd_step(rp, g, rbuf, n, LR[c], MOM[c], DAMP[c], WD[c], NEST[c] ? 1 : 0, first ? 1 : 0);
          for (let i = 0; i < n; i++) {
            if (kept(mask, i)) {
              badKept += i32(bitsAt(p, i) != bitsAt(rp, i));
              if (useBuf) badKept += i32(bitsAt(buf, i) != bitsAt(rbuf, i));
            } else {
              badPruned += i32(bitsAt(p, i) != 0);
              if (useBuf) badPruned += i32(bitsAt(buf, i) != 0);
            }
          }
          heap.free(g);
        }
        expect(badPruned).toBe(0);
        expect(badKept).toBe(0);
        expect(at(p, n)).toBe(-1234.5);
        if (useBuf) expect(at(buf, n)).toBe(-1234.5);
        heap.free(mask);
        heap.free(p);
        heap.free(rp);
        if (useBuf) {
          heap.free(buf);
          heap.free(rbuf);
        }
      }
    }
  });

  it("kept entries move (the mask does not freeze everything)", () => {
    const n = 8;
    const mask = heap.alloc(16);
    const p = heap.alloc(32);
    const g = heap.alloc(32);
    for (let i = 0; i < n; i++) {
      store<u8>(mask + <usize>i, <u8>(i & 1));
      put(p, i, 1);
      put(g, i, 1);
    }
    masked_sgd_step(p, g, 0, mask, n, 0.5, 0, 0, 0, 0, 1);
    for (let i = 0; i < n; i++) expect(at(p, i)).toBe(i & 1 ? <f32>0.5 : <f32>0);
    heap.free(mask);
    heap.free(p);
    heap.free(g);
  });
});

describe("mask helpers", () => {
  it("apply_mask zeroes pruned entries to +0 and keeps others bit-exact", () => {
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      const mask = randMask(n);
      const x = randBuf(n, 1);
      if (n > 3) {
        put(x, 0, NaN);
        put(x, 1, -0.0);
        put(x, 2, -Infinity);
      }
      const x0 = cloneBuf(x, n);
      apply_mask(x, mask, n);
      let bad = 0;
      for (let i = 0; i <= n; i++) {
        const want = i < n && !kept(mask, i) ? 0 : bitsAt(x0, i);
        bad += i32(bitsAt(x, i) != want);
      }
      expect(bad).toBe(0);
      heap.free(mask);
      heap.free(x);
      heap.free(x0);
    }
  });

  it("mask_from_nonzero writes 0/1 (±0 → 0, NaN → 1) and returns the count", () => {
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      const x = randBuf(n, 1);
      for (let i = 0; i < n; i++) {
        const r = nextU32() % 5;
        if (r == 0) put(x, i, 0);
        else if (r == 1) put(x, i, -0.0);
        else if (r == 2 && (i & 3) == 0) put(x, i, NaN);
      }
      const mask = randMask(n);
      const cnt = mask_from_nonzero(x, mask, n);
      let want = 0, bad = 0;
      for (let i = 0; i < n; i++) {
        const v = at(x, i);
        const nz = v != 0;
        want += i32(nz);
        bad += i32(load<u8>(mask + <usize>i) != (nz ? 1 : 0));
      }
      expect(bad).toBe(0);
      expect(cnt).toBe(want);
      expect(load<u8>(mask + <usize>n)).toBe(0xAB);
      expect(mask_count(mask, n)).toBe(want);
      heap.free(x);
      heap.free(mask);
    }
  });

  it("mask_count counts nonzero bytes of any value", () => {
    const SZ: i32[] = [0, 1, 15, 16, 17, 31, 1000];
    for (let s = 0; s < SZ.length; s++) {
      const n = SZ[s];
      const mask = randMask(n);
      store<u8>(mask + <usize>n, 1); // beyond n: must not count
      let want = 0;
      for (let i = 0; i < n; i++) want += i32(kept(mask, i));
      expect(mask_count(mask, n)).toBe(want);
      heap.free(mask);
    }
  });
});
