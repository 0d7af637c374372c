// Tensors are handles into wasm memory: a pointer, a shape and a dtype.
// Data lives in wasm; JS only gets short-lived views (see Engine.f32).
// Freed deterministically with free(); nothing relies on GC finalizers.
import type { Engine, DType } from "./engine.js";

export class Tensor {
  readonly engine: Engine;
  readonly shape: readonly number[];
  readonly size: number;
  readonly dtype: DType;
  private _ptr: number;

  constructor(engine: Engine, shape: readonly number[], dtype: DType = "f32") {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`Tensor: bad dimension ${d} in shape [${shape.join(", ")}]`);
    }
    this.engine = engine;
    this.shape = [...shape];
    this.size = shape.reduce((a, b) => a * b, 1);
    this.dtype = dtype;
    this._ptr = engine.alloc(this.size, dtype);
  }

  get ptr(): number {
    if (this._ptr === 0) throw new Error("Tensor: use after free");
    return this._ptr;
  }

  get freed(): boolean {
    return this._ptr === 0;
  }

  /** A fresh view into wasm memory: valid until the next call that may grow memory. */
  view(): Float32Array {
    if (this.dtype !== "f32") throw new TypeError(`Tensor.view: dtype is ${this.dtype}, not f32`);
    return this.engine.f32(this.ptr, this.size);
  }

  /** A copy of the data, safe to keep. */
  toArray(): Float32Array {
    return this.view().slice();
  }

  set(data: ArrayLike<number>): this {
    if (data.length !== this.size) throw new RangeError(`Tensor.set: got ${data.length} values for shape [${this.shape.join(", ")}] (${this.size})`);
    if (this.dtype === "f32") this.view().set(data);
    else if (this.dtype === "i32") this.engine.i32(this.ptr, this.size).set(data);
    else this.engine.u8(this.ptr, this.size).set(data);
    return this;
  }

  free(): void {
    if (this._ptr !== 0) {
      this.engine.free(this._ptr);
      this._ptr = 0;
    }
  }
}
