// What the PyTorch cross-checks share (tests/torch-crosscheck.test.ts,
// tests/spiking.test.ts): the fixtures' closed-form parameters and input
// (docs/pytorch-crosscheck.md), a model built and loaded with them after its
// state_dict names and shapes are checked, and the error measure.
import assert from "node:assert/strict";
import type { Engine } from "../../src/engine/engine.ts";
import { Rng } from "../../src/engine/rng.ts";
import { Tensor } from "../../src/engine/tensor.ts";
import { buildModel, type ModelSpec } from "../../src/nn/models.ts";
import type { Sequential } from "../../src/nn/sequential.ts";

/** The fixture's parameter formula for state_dict key number j. */
export function formula(name: string, shape: number[], j: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    const s = Math.sin(0.61 * i + 1.7 * j + 0.3);
    out[i] = name.endsWith(".weight") ? (shape.length >= 2 ? (2 * s) / Math.sqrt(fanIn) : 1 + 0.2 * s)
      : name.endsWith(".bias") || name.endsWith(".running_mean") ? 0.1 * s : 0.75 + 0.25 * s;
  }
  return out;
}

/** max |got − want| / max |want|. */
export function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let scale = 0, err = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    err = Math.max(err, Math.abs(got[i] - want[i]));
  }
  return err / scale;
}

export interface FixtureModel {
  model: Sequential;
  tensors: Map<string, Tensor>;
  /** The input batch, float32(1.5·sin(0.37·i + 0.5)). */
  x: Tensor;
  y: Tensor;
  /** dL/dlogits. */
  dl: Tensor;
  scratch: number;
  free(): void;
}

/** Builds spec at `batch`, checks its state_dict against the fixture's keys (f32) and int buffers, loads the formula. */
export function fixtureModel(e: Engine, spec: ModelSpec, batch: number, labels: number[], keys: [string, number[]][], intBuffers?: string[]): FixtureModel {
  const rng = new Rng(e, 0);
  const model = buildModel(e, spec, batch, rng);
  rng.free();
  const x = new Tensor(e, [batch, spec.inputs]);
  const y = new Tensor(e, [batch], "i32").set(labels);
  const dl = new Tensor(e, [batch, spec.classes]);
  const scratch = e.alloc(4, "i32");
  const tensors = new Map<string, Tensor>([...model.params().map((p) => [p.name, p.value] as const), ...model.buffers().map((b) => [b.name, b.value] as const)]);
  const free = () => {
    model.free();
    for (const t of [x, y, dl]) t.free();
    e.free(scratch);
  };
  try {
    const ours = [...tensors].filter(([, t]) => t.dtype === "f32").map(([n, t]) => `${n} [${t.shape.join(",")}]`).sort();
    assert.deepEqual(ours, keys.map(([n, s]) => `${n} [${s.join(",")}]`).sort());
    if (intBuffers) assert.deepEqual([...tensors].filter(([, t]) => t.dtype === "i32").map(([n]) => n).sort(), [...intBuffers].sort());
    keys.forEach(([name, shape], j) => tensors.get(name)!.set(formula(name, shape, j)));
    x.set(Array.from({ length: x.size }, (_, i) => Math.fround(1.5 * Math.sin(0.37 * i + 0.5))));
  } catch (err) {
    free();
    throw err;
  }
  return { model, tensors, x, y, dl, scratch, free };
}
