// A PRNG stream: 16 bytes of xoshiro128** state in wasm memory (assembly/prng.ts).
// Separate streams for initialisation and shuffling keep one from shifting the other.
import type { Engine } from "./engine.js";

export class Rng {
  private readonly engine: Engine;
  private state: number;

  constructor(engine: Engine, seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed ${seed} must be an integer in [0, 4294967295]`);
    }
    this.engine = engine;
    this.state = engine.alloc(16, "u8");
    engine.k.rng_seed(this.state, seed >>> 0);
  }

  nextU32(): number {
    return this.engine.k.rng_next_u32(this.state) >>> 0;
  }
  uniform01(): number {
    return this.engine.k.rng_uniform_f64(this.state);
  }
  fillUniform(ptr: number, n: number, lo: number, hi: number): void {
    this.engine.k.rng_uniform(this.state, ptr, n, lo, hi);
  }
  fillNormal(ptr: number, n: number, mean: number, std: number): void {
    this.engine.k.rng_normal(this.state, ptr, n, mean, std);
  }
  /** Writes a permutation of 0..n-1 as i32 at ptr. */
  permutation(ptr: number, n: number): void {
    this.engine.k.rng_permutation(this.state, ptr, n);
  }
  /** Draws (dy, dx, flip) per row into i32[3·count] at ptr (assembly/kernels/augment.ts augment_draw). */
  augmentParams(ptr: number, count: number, pad: number, flip: boolean): void {
    this.engine.k.augment_draw(this.state, ptr, count, pad, flip ? 1 : 0);
  }
  /** The 16 state bytes (to checkpoint a stream). */
  saveState(): Uint8Array {
    return this.engine.u8(this.state, 16).slice();
  }
  loadState(bytes: Uint8Array): void {
    this.engine.u8(this.state, 16).set(bytes);
  }
  free(): void {
    if (this.state) this.engine.free(this.state);
    this.state = 0;
  }
}
