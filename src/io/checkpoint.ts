// Checkpoint files: a run's state (src/engine/state.ts) as safetensors. Each
// state tensor is a flat F32, I32 or U8 tensor under its state name
// ("model.fc1.weight", "opt.theta.fc1.weight", "data.order", "cursor.rng");
// the metadata holds the format tag, the state values as JSON (non-finite
// numbers and −0 spelled out, so every f64 comes back bit for bit) and what
// the caller adds (the run's config, its data, a CLI recipe), each as JSON.
import { ShrinkError } from "../engine/errors.js";
import { RunState } from "../engine/state.js";
import { encodeSafetensors, decodeSafetensors } from "./safetensors.js";

export const CHECKPOINT_FORMAT = "shrinkwasm-checkpoint/1";
const STATE_KEY = "state";

/** JSON that keeps every f64: NaN, ±Infinity and −0 become {"$f64": "NaN"} and back. */
export function stringifyExact(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === "number" && (!Number.isFinite(x) || Object.is(x, -0)) ? { $f64: Object.is(x, -0) ? "-0" : String(x) } : x));
}

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0 };

export function parseExact(text: string): unknown {
  return JSON.parse(text, (_k, x) => {
    if (typeof x === "object" && x !== null && !Array.isArray(x)) {
      const keys = Object.keys(x);
      if (keys.length === 1 && keys[0] === "$f64" && Object.hasOwn(SPECIAL, x.$f64)) return SPECIAL[x.$f64];
    }
    return x;
  });
}

export function encodeCheckpoint(state: RunState, meta: Record<string, unknown>): Uint8Array {
  const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT, [STATE_KEY]: stringifyExact(Object.fromEntries(state.values)) };
  for (const [k, v] of Object.entries(meta)) {
    if (k === "format" || k === STATE_KEY) throw new Error(`checkpoint metadata: "${k}" is reserved`);
    metadata[k] = stringifyExact(v);
  }
  return encodeSafetensors([...state.tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: [t.count], data: t.data })), metadata);
}

export interface DecodedCheckpoint {
  state: RunState;
  /** The caller's metadata, parsed. */
  meta: Record<string, unknown>;
}

export function decodeCheckpoint(bytes: Uint8Array, name: string): DecodedCheckpoint {
  const st = decodeSafetensors(bytes, name);
  const md = st.metadata;
  if (md.format !== CHECKPOINT_FORMAT) {
    throw new ShrinkError("E_CHECKPOINT", `${name}: not a shrinkwasm checkpoint (metadata format is ${JSON.stringify(md.format ?? null)}, expected "${CHECKPOINT_FORMAT}")`);
  }
  const parse = (k: string): unknown => {
    try {
      return parseExact(md[k]);
    } catch {
      throw new ShrinkError("E_CHECKPOINT", `${name}: metadata "${k}" is not valid JSON`);
    }
  };
  const values = parse(STATE_KEY);
  if (typeof values !== "object" || values === null || Array.isArray(values)) throw new ShrinkError("E_CHECKPOINT", `${name}: metadata "state" must be a JSON object`);
  const state = new RunState(name);
  for (const [k, v] of Object.entries(values)) state.set(k, v);
  for (const [tname, t] of st.tensors) {
    if ((t.dtype !== "F32" && t.dtype !== "I32" && t.dtype !== "U8") || t.shape.length !== 1) {
      throw new ShrinkError("E_CHECKPOINT", `${name}: state tensor "${tname}" is ${t.dtype} [${t.shape.join(", ")}] (state tensors are flat F32, I32 or U8)`);
    }
    state.tensors.set(tname, { dtype: t.dtype, count: t.shape[0], data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) });
  }
  const meta: Record<string, unknown> = {};
  for (const k of Object.keys(md)) if (k !== "format" && k !== STATE_KEY) meta[k] = parse(k);
  return { state, meta };
}
