// Shared helpers for the engine-level test suites: one engine per test process,
// tensors from plain arrays, a seedable JS random source that never touches the
// wasm PRNG, and naive float64 references for what the kernels compute.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadEngine } from "../../src/node/index.ts";
import { Engine, type DType } from "../../src/engine/engine.ts";
import { Tensor } from "../../src/engine/tensor.ts";
import type { ImageLabelSet } from "../../src/data/idx.ts";

let shared: Promise<Engine> | undefined;

/**
 * build/shrinkwasm.wasm via the Node helper, or the module named by
 * SHRINK_TEST_WASM (to run the engine suites against another build).
 */
function load(): Promise<Engine> {
  const alt = process.env.SHRINK_TEST_WASM;
  return alt ? Engine.create(readFileSync(alt)) : loadEngine();
}

/** The process-wide engine (instantiated once; test files run in separate processes). */
export function engine(): Promise<Engine> {
  shared ??= load();
  return shared;
}

/** A fresh engine with its own linear memory (for leak checks and cross-instance determinism). */
export function freshEngine(): Promise<Engine> {
  return load();
}

/**
 * The repository root. Bundled test files live in <repo>/dist-tests/, and esbuild
 * keeps import.meta.url pointing at the bundle, so "../" is the repo.
 */
export function repoRoot(): string {
  return fileURLToPath(new URL("../", import.meta.url));
}

/** A tensor of the given shape holding `data` (length must match). */
export function tensorFrom(e: Engine, shape: number[], data: ArrayLike<number>, dtype: DType = "f32"): Tensor {
  return new Tensor(e, shape, dtype).set(data);
}

/**
 * Deterministic uniform [0, 1) source: a 32-bit LCG (Numerical Recipes
 * constants) with the top 24 bits used, so every value is an exact f32 too.
 */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s >>> 8) / 16777216;
  };
}

/** n f32-rounded uniforms in [lo, hi). */
export function uniformArray(rand: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rand();
  return out;
}

/** n f32 values with |v| in [minAbs, maxAbs) and random sign (keeps inputs away from ReLU's kink). */
export function awayFromZero(rand: () => number, n: number, minAbs: number, maxAbs: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const m = minAbs + (maxAbs - minAbs) * rand();
    out[i] = rand() < 0.5 ? -m : m;
  }
  return out;
}

/** f64 reference of a Linear layer: y[r, o] = Σ_i x[r, i]·W[o, i] + b[o] (W stored [out, in]). */
export function linearRef(x: ArrayLike<number>, rows: number, w: ArrayLike<number>, b: ArrayLike<number>, inF: number, outF: number): Float64Array {
  const y = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let s = 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i] * w[o * inF + i];
      y[r * outF + o] = s + b[o];
    }
  }
  return y;
}

/** Σ_i |x[r, i]·W[o, i]| + |b[o]|: the scale that bounds the rounding error of y[r, o]. */
export function linearAbsScale(x: ArrayLike<number>, rows: number, w: ArrayLike<number>, b: ArrayLike<number>, inF: number, outF: number): Float64Array {
  const y = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let s = 0;
      for (let i = 0; i < inF; i++) s += Math.abs(x[r * inF + i] * w[o * inF + i]);
      y[r * outF + o] = s + Math.abs(b[o]);
    }
  }
  return y;
}

export function reluRef(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, (v) => (v > 0 ? v : 0));
}

/**
 * f64 reference of PyTorch's F.cross_entropy(logits, y, label_smoothing=ε),
 * mean reduction: loss_r = −Σ_j q_j log softmax(x)_j, q = (1−ε)·onehot + ε/K.
 */
export function softmaxXentRef(logits: ArrayLike<number>, labels: ArrayLike<number>, rows: number, classes: number, eps: number): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < classes; c++) m = Math.max(m, logits[r * classes + c]);
    let se = 0;
    for (let c = 0; c < classes; c++) se += Math.exp(logits[r * classes + c] - m);
    const lse = m + Math.log(se);
    let row = 0;
    for (let c = 0; c < classes; c++) {
      const q = (c === labels[r] ? 1 - eps : 0) + eps / classes;
      row -= q * (logits[r * classes + c] - lse);
    }
    total += row;
  }
  return total / rows;
}

/** Σ_i g[i]·y[i] in f64 (the scalar loss used by the layer gradient checks). */
export function dot(g: ArrayLike<number>, y: ArrayLike<number>): number {
  assert.equal(g.length, y.length);
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i] * y[i];
  return s;
}

/**
 * Asserts |actual − expected| ≤ rtol·max(|actual|, |expected|) + atol for every
 * element; on failure names the first offending index and both values.
 */
export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], x = expected[i];
    const tol = rtol * Math.max(Math.abs(a), Math.abs(x)) + atol;
    if (!(Math.abs(a - x) <= tol)) {
      assert.fail(`${what}[${i}]: got ${a}, expected ${x} (|diff| ${Math.abs(a - x)} > tol ${tol})`);
    }
  }
}

/** Bytes of an f32 array (for bit-exact comparisons that also distinguish −0 and NaN payloads). */
export function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

/**
 * A synthetic labelled image set built with the JS LCG only (no wasm): `count`
 * images of h×w bytes and labels 0..classes−1. Each class gets a brighter band
 * of rows, so the data is learnable but not trivially so.
 */
export function syntheticImageSet(count: number, seed: number, h = 28, w = 28, classes = 10): ImageLabelSet {
  const rand = lcg(seed);
  const images = new Uint8Array(count * h * w);
  const labels = new Uint8Array(count);
  const band = Math.max(1, Math.floor(h / classes));
  for (let n = 0; n < count; n++) {
    const y = Math.floor(rand() * classes);
    labels[n] = y;
    for (let r = 0; r < h; r++) {
      const inBand = Math.floor(r / band) === y;
      for (let c = 0; c < w; c++) images[n * h * w + r * w + c] = Math.floor(rand() * (inBand ? 128 : 96)) + (inBand ? 127 : 0);
    }
  }
  return { count, channels: 1, height: h, width: w, images, labels, numClasses: classes };
}
