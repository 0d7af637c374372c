import { sgd_step } from "../kernels/sgd";
import { seedRnd, at, bitsAt, put, randBuf, cloneBuf } from "./util/buffers";

seedRnd(0x13579BDF);
function nextAway(v: f32, up: bool): f32 { // neighbour of finite v toward ±Inf
  if (v == 0) return up ? 1.0e-45 : -1.0e-45;
  const b = reinterpret<u32>(v);
  return reinterpret<f32>((v > 0) == up ? b + 1 : b - 1);
}

// torch.optim.SGD (_single_tensor_sgd) on one element in plain f32, each
// product rounded before its sum (the kernel's documented order).
function refStep(
  p: usize, g: usize, buf: usize, i: i32, lr: f32, m: f32, damp: f32, wd: f32,
  nesterov: bool, first: bool
): void {
  let d = at(g, i);
  if (wd != 0) d = d + wd * at(p, i); // grad.add(param, alpha=wd)
  if (m != 0) {
    let b: f32;
    if (first) {
      b = d; // buf = clone(grad)
    } else {
      b = m * at(buf, i) + (<f32>1 - damp) * d; // buf.mul_(m).add_(grad, alpha=1-damp)
    }
    put(buf, i, b);
    d = nesterov ? d + m * b : b; // grad.add(buf, alpha=momentum) | buf
  }
  put(p, i, at(p, i) - lr * d); // param.add_(grad, alpha=-lr)
}

describe("sgd_step vs scalar PyTorch formulas", () => {
  it("is bit-exact over 3 steps for every config and size", () => {
    const SIZES: i32[] = [1, 3, 4, 17, 255, 256, 257];
    // lr, momentum, dampening, weight_decay, nesterov
    const LR: f32[] = [0.1, 0.05, 0.1, 0.3, 0.01, 0.2];
    const MOM: f32[] = [0.9, 0.9, 0, 0, 0.5, 0.99];
    const DAMP: f32[] = [0, 0.1, 0, 0, 0.5, 0];
    const WD: f32[] = [5e-4, 0.01, 0.01, 0, 0, 0.1];
    const NEST: bool[] = [true, false, false, false, false, true];
    for (let c = 0; c < LR.length; c++) {
      for (let k = 0; k < SIZES.length; k++) {
        const n = SIZES[k];
        const p = randBuf(n, 2);
        const rp = cloneBuf(p, n);
        const useBuf = MOM[c] != 0;
        const buf = useBuf ? randBuf(n, 1) : 0; // garbage before the first step
        const rbuf = useBuf ? cloneBuf(buf, n) : 0;
        for (let step = 0; step < 3; step++) {
          const g = randBuf(n, 1);
          const first = step == 0;
          sgd_step(p, g, buf, n, LR[c], MOM[c], DAMP[c], WD[c], NEST[c] ? 1 : 0, first ? 1 : 0);
          for (let i = 0; i < n; i++) refStep(rp, g, rbuf, i, LR[c], MOM[c], DAMP[c], WD[c], NEST[c], first);
          heap.free(g);
        }
        for (let i = 0; i <= n; i++) expect(bitsAt(p, i)).toBe(bitsAt(rp, i));
        if (useBuf) for (let i = 0; i <= n; i++) expect(bitsAt(buf, i)).toBe(bitsAt(rbuf, i));
        heap.free(p);
        heap.free(rp);
        if (useBuf) {
          heap.free(buf);
          heap.free(rbuf);
        }
      }
    }
  });

  it("momentum = 0 with weight_decay = 0 is p − lr·g and leaves −0 grads alone", () => {
    const n = 5;
    const p = randBuf(n, 1);
    const g = randBuf(n, 1);
    put(g, 4, -0.0);
    put(p, 4, 0.5);
    const want = new StaticArray<f32>(n);
    for (let i = 0; i < n; i++) want[i] = at(p, i) - <f32>0.25 * at(g, i);
    sgd_step(p, g, 0, n, 0.25, 0, 0, 0, 0, 1);
    for (let i = 0; i < n; i++) expect(reinterpret<u32>(at(p, i))).toBe(reinterpret<u32>(want[i]));
    expect(at(p, 4)).toBe(0.5);
    heap.free(p);
    heap.free(g);
  });
});

// PyTorch 2.13 (CPU, AVX2) torch.optim.SGD golden values: n = 19,
// p0[i] = f32(((37i) % 101 − 50)/37), grad at step k: f32(((13i + 29k) % 97 − 48)/53),
// three opt.step() calls. Bit patterns of p (and momentum_buffer) afterwards,
// compared to a few ulp (PyTorch uses FMA; see assembly/kernels/sgd.ts).
const A_P: u32[] = [0xbf7a64e8, 0xbe342346, 0x3f205343, 0xbf73d301, 0xbe19dbb5, 0x3f26e529, 0xbf474fe2, 0x3cc1866b, 0x3fba414b, 0xbef151ce, 0x3ea9665d, 0xbf9fb98b, 0xbee42e06, 0x3f5a3b86, 0xbf8977fc, 0x3eb70cd9, 0x3f947141, 0xbf4448fb, 0x3ec430a2];
const A_B: u32[] = [0xbf5e8035, 0xbe50066e, 0x3eecfa00, 0xbf347e06, 0xbd1ff6c0, 0x3f207f2e, 0xbeb72c3a, 0x3e9dd0fe, 0xbf02006c, 0x3e1e2f38, 0x3f520a69, 0xbeb1e13b, 0x3ea31bfc, 0xbf2994ee, 0xb90b4900, 0xbf50f19f, 0xbe19cc0a, 0x3f031936, 0xbf26ef70];
const B_P: u32[] = [0xbf99fac7, 0xbe8aac0a, 0x3f294982, 0xbf85fab5, 0xbdeaaf0f, 0x3f5149a6, 0xbf50fe00, 0x3ded0c37, 0x3fa5d98f, 0xbefd4282, 0x3edffc8b, 0xbfa2a053, 0xbead423d, 0x3f400b20, 0xbf85249f, 0x3e0f2164, 0x3f8933f0, 0xbf37ec7d, 0x3e9790f7];
const B_B: u32[] = [0xbf630ba2, 0xbe79dd47, 0x3ecc3a01, 0xbf2c94c9, 0xbd000779, 0x3f1c93db, 0xbe9784ec, 0x3eb1a3ba, 0xbefb097b, 0x3dabb319, 0x3f3a0ab6, 0xbeb14e26, 0x3e97da7e, 0xbf0acfe2, 0x3d02b3f2, 0xbf4e2b5b, 0xbe265c23, 0x3ed2c832, 0xbf17b480];
const C_P: u32[] = [0xbf9eb75f, 0xbea20997, 0x3f1b6527, 0xbf8106fe, 0xbdad2053, 0x3f56c5e8, 0xbf46b93b, 0x3e16c2e1, 0x3fa06e82, 0xbf0b7073, 0x3ec1f2fe, 0xbf9e3cd3, 0xbea01f65, 0x3f4b2895, 0xbf809272, 0x3dd03b47, 0x3f8338ae, 0xbf45dc1c, 0x3eaad053];
const D_P: u32[] = [0xbf83acc4, 0xbe7f73a3, 0x3f079fb4, 0xbf5f2444, 0xbdbd3d29, 0x3f2fd4f9, 0xbf36ef01, 0x3d846cec, 0x3fb24c9a, 0xbf0eb9bd, 0x3e630b81, 0xbf97008d, 0xbecd08f5, 0x3f6d871e, 0xbf82e5eb, 0x3e9c7f86, 0x3f8ade2f, 0xbf5d9692, 0x3eecea0b];

function torchCase(lr: f32, m: f32, damp: f32, wd: f32, nesterov: i32, wantP: u32[], wantB: u32[] | null): void {
  const n = 19;
  const p = heap.alloc(<usize>n << 2);
  const g = heap.alloc(<usize>n << 2);
  const buf = m != 0 ? heap.alloc(<usize>n << 2) : 0;
  for (let i = 0; i < n; i++) put(p, i, <f32>(<f64>((37 * i) % 101 - 50) / 37.0));
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < n; i++) put(g, i, <f32>(<f64>((13 * i + 29 * k) % 97 - 48) / 53.0));
    sgd_step(p, g, buf, n, lr, m, damp, wd, nesterov, k == 0 ? 1 : 0);
  }
  // PyTorch fuses its multiply-adds (FMA); we round each product: agree to a few ulp.
  for (let i = 0; i < n; i++) expect(Mathf.abs(at(p, i) - reinterpret<f32>(wantP[i]))).toBeLessThanOrEqual(<f32>4e-7 * Mathf.max(1, Mathf.abs(at(p, i))));
  if (wantB) for (let i = 0; i < n; i++) expect(Mathf.abs(at(buf, i) - reinterpret<f32>(wantB[i]))).toBeLessThanOrEqual(<f32>4e-7 * Mathf.max(1, Mathf.abs(at(buf, i))));
  heap.free(p);
  heap.free(g);
  if (buf) heap.free(buf);
}

describe("sgd_step vs PyTorch", () => {
  it("nesterov, momentum 0.9, weight_decay 5e-4, lr 0.1", () => {
    torchCase(0.1, 0.9, 0, 5e-4, 1, A_P, A_B);
  });
  it("momentum 0.9, dampening 0.1, weight_decay 0.01, lr 0.05", () => {
    torchCase(0.05, 0.9, 0.1, 0.01, 0, B_P, B_B);
  });
  it("no momentum (buf = 0), weight_decay 0.01, lr 0.1", () => {
    torchCase(0.1, 0, 0, 0.01, 0, C_P, null);
  });
  it("plain SGD, lr 0.3", () => {
    torchCase(0.3, 0, 0, 0, 0, D_P, null);
  });
});
