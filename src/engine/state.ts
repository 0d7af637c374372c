// The state of a run, gathered for a checkpoint (src/io/checkpoint.ts writes it
// as safetensors): named byte tensors copied out of wasm memory (weights,
// latents, momentum buffers, masks, PRNG streams, the batch order) and named
// JSON values (counters, trainable thresholds, the epoch history). Every stateful
// object saves and loads itself under a key; loading checks each tensor's
// dtype and length, so a checkpoint of another run is refused, never half-applied
// into the wrong buffers.
import type { Engine, DType } from "./engine.js";
import type { Tensor } from "./tensor.js";
import { ShrinkError } from "./errors.js";

export type StateDtype = "F32" | "I32" | "U8";
const BYTES: Record<StateDtype, number> = { F32: 4, I32: 4, U8: 1 };
const DTYPES: Record<DType, StateDtype> = { f32: "F32", i32: "I32", u8: "U8" };

export interface StateTensor {
  dtype: StateDtype;
  /** Element count (state tensors are flat). */
  count: number;
  data: Uint8Array;
}

export class RunState {
  readonly tensors = new Map<string, StateTensor>();
  readonly values = new Map<string, unknown>();

  /** `source` names the checkpoint in errors (a file name, "snapshot"). */
  constructor(readonly source = "snapshot") {}

  /** Copies `count` elements at `ptr` out of wasm memory. */
  saveWasm(e: Engine, name: string, ptr: number, count: number, dtype: StateDtype): void {
    this.tensors.set(name, { dtype, count, data: e.u8(ptr, count * BYTES[dtype]).slice() });
  }

  /** Copies the saved tensor back to `ptr`, which must hold `count` elements of `dtype`. */
  loadWasm(e: Engine, name: string, ptr: number, count: number, dtype: StateDtype): void {
    e.u8(ptr, count * BYTES[dtype]).set(this.tensor(name, count, dtype).data);
  }

  saveTensor(name: string, t: Tensor): void {
    this.saveWasm(t.engine, name, t.ptr, t.size, DTYPES[t.dtype]);
  }

  loadTensor(name: string, t: Tensor): void {
    this.loadWasm(t.engine, name, t.ptr, t.size, DTYPES[t.dtype]);
  }

  saveBytes(name: string, bytes: Uint8Array): void {
    this.tensors.set(name, { dtype: "U8", count: bytes.length, data: bytes.slice() });
  }

  loadBytes(name: string, count: number): Uint8Array {
    return this.tensor(name, count, "U8").data.slice();
  }

  has(name: string): boolean {
    return this.tensors.has(name) || this.values.has(name);
  }

  set(name: string, v: unknown): void {
    this.values.set(name, v);
  }

  /** A saved value; `check` names what it must be (a missing or ill-typed value is refused). */
  get<T>(name: string, check: (v: unknown) => v is T, what: string): T {
    if (!this.values.has(name)) throw this.missing(name);
    const v = this.values.get(name);
    if (!check(v)) throw new ShrinkError("E_CHECKPOINT", `${this.source}: state "${name}" is ${JSON.stringify(v)?.slice(0, 60)} (must be ${what})`);
    return v;
  }

  num(name: string): number {
    return this.get(name, (v): v is number => typeof v === "number", "a number");
  }

  int(name: string, lo: number, hi: number): number {
    return this.get(name, (v): v is number => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi, `an integer from ${lo} to ${hi}`);
  }

  /** Where the last failed check came from (a checkpoint that does not fit the run it configures). */
  inconsistent(what: string): ShrinkError {
    return new ShrinkError("E_CHECKPOINT", `${this.source}: ${what}`);
  }

  /** A saved list of `n` integers, each in [lo, hi] (positions, counters): anything else is refused. */
  ints(name: string, n: number, lo: number, hi: number): number[] {
    return this.get(name, (v): v is number[] => isNumberArray(v) && v.length === n && v.every((x) => Number.isInteger(x) && x >= lo && x <= hi),
      `${n} integer${n === 1 ? "" : "s"} from ${lo} to ${hi}`);
  }

  bool(name: string): boolean {
    return this.get(name, (v): v is boolean => typeof v === "boolean", "true or false");
  }

  private tensor(name: string, count: number, dtype: StateDtype): StateTensor {
    const t = this.tensors.get(name);
    if (!t) throw this.missing(name);
    if (t.dtype !== dtype || t.count !== count || t.data.length !== count * BYTES[dtype]) {
      throw new ShrinkError("E_CHECKPOINT", `${this.source}: state tensor "${name}" is ${t.count} × ${t.dtype} but this run has ${count} × ${dtype} (a checkpoint of another model or run)`);
    }
    return t;
  }

  private missing(name: string): ShrinkError {
    return new ShrinkError("E_CHECKPOINT", `${this.source}: no state "${name}" (a checkpoint of another kind of run, or of another version)`);
  }
}

/** What saves and restores its part of a run's state. */
export interface Stateful {
  saveTo(s: RunState, key: string): void;
  loadFrom(s: RunState, key: string): void;
}

export const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === "number");
