// A run you can stop and go on with: dense training, a single-run pruning
// method or an iterative one, advanced in slices of steps, snapshotted
// between any two steps and restored into another engine (a Worker that trains
// a few seconds per request, a process that was killed). The snapshot is a
// checkpoint file (src/io/checkpoint.ts) holding everything the next step
// reads — weights and latents, momentum, thresholds and masks, the iteration
// state, the batch order and every PRNG stream — and the run's config, so a
// restored run ends with the same bits as one never stopped.
//
//   const run = RunSession.start(engine, { kind: "prune", config }, train, test);
//   await run.advance({ steps: 200 });          // false: not done yet
//   const bytes = run.snapshot();               // web-standard Uint8Array
//   ... later, anywhere:
//   const again = RunSession.restore(engine2, bytes, train, test);
//   while (!(await again.advance({ steps: 200 }))) {}
import type { Engine } from "../engine/engine.js";
import { ShrinkError } from "../engine/errors.js";
import { RunState } from "../engine/state.js";
import type { ImageLabelSet } from "../data/idx.js";
import { encodeCheckpoint, decodeCheckpoint } from "../io/checkpoint.js";
import type { Sequential } from "../nn/sequential.js";
import type { ModelSpec } from "../nn/models.js";
import type { Gate, GatePoint } from "../train/cursor.js";
import type { Job } from "../train/job.js";
import type { InitWeights } from "../train/session.js";
import type { TrainResult, BatchEvent, EpochEvent } from "../train/trainer.js";
import type { TrainConfig } from "../train/config.js";
import { trainJob } from "../train/train-job.js";
import { pruneJob, type PruneRun, type PruneEpochState } from "./run.js";
import { iterativeJob, type IterativeRun } from "./run-iterative.js";
import { ITERATIVE_METHODS, type IterationReport } from "./iterative.js";
import type { PruneConfig } from "./config.js";

export type RunConfig = { kind: "train"; config: TrainConfig } | { kind: "prune"; config: PruneConfig };

export type RunOutcome =
  | { kind: "train"; result: TrainResult }
  | { kind: "prune"; run: PruneRun }
  | { kind: "iterative"; run: IterativeRun };

export interface RunHooks {
  signal?: AbortSignal;
  /** Starting weights (a fresh run only: a restored run has its own). */
  init?: InitWeights;
  onBatch?: (ev: BatchEvent & { iteration?: number }) => void;
  /** After every epoch (pruning runs add their threshold and sparsity state). */
  onEpoch?: (ev: EpochEvent & { iteration?: number }, state?: PruneEpochState) => void | Promise<void>;
  onIteration?: (r: IterationReport) => void | Promise<void>;
  /** Awaited after every step, epoch and iteration, before a pause: where a CLI writes its checkpoints. */
  gate?: Gate;
}

/** What a restored checkpoint must match: the data it was trained on. */
interface DataShape {
  train: number;
  test: number;
  shape: number[];
  classes: number;
}

const dataShape = (train: ImageLabelSet, test: ImageLabelSet): DataShape => ({
  train: train.count, test: test.count, shape: [train.channels ?? 1, train.height, train.width], classes: train.numClasses,
});

function makeJob(e: Engine, rc: RunConfig, train: ImageLabelSet, test: ImageLabelSet, h: RunHooks): Job<RunOutcome> {
  if (rc.kind === "train") {
    const j = trainJob(e, rc.config, train, test, { signal: h.signal, init: h.init, onBatch: h.onBatch, onEpoch: h.onEpoch });
    return { ...j, run: async (g) => ({ kind: "train", result: await j.run(g) }) };
  }
  if ((ITERATIVE_METHODS as readonly string[]).includes(rc.config.method)) {
    const j = iterativeJob(e, rc.config, train, test, { signal: h.signal, init: h.init, onBatch: h.onBatch, onEpoch: h.onEpoch, onIteration: h.onIteration });
    return { ...j, run: async (g) => ({ kind: "iterative", run: await j.run(g) }) };
  }
  const j = pruneJob(e, rc.config, train, test, { signal: h.signal, init: h.init, onBatch: h.onBatch, onEpoch: h.onEpoch });
  return { ...j, run: async (g) => ({ kind: "prune", run: await j.run(g) }) };
}

const STOPPED = Symbol("run disposed");

export class RunSession {
  readonly config: RunConfig;
  private readonly job: Job<RunOutcome>;
  private readonly hooks: RunHooks;
  private readonly data: DataShape;
  private started = false;
  private finished: RunOutcome | null = null;
  private failed: unknown = null;
  private running: { resolve: (done: boolean) => void; reject: (err: unknown) => void } | null = null;
  private parked: { resolve: () => void; reject: (err: unknown) => void } | null = null;
  private body: Promise<void> | null = null;
  private stopAt = Infinity;
  private last: GatePoint | null = null;
  /** Inside hooks.gate: the run stands between two steps, so a snapshot is consistent. */
  private inGate = false;

  private constructor(job: Job<RunOutcome>, config: RunConfig, hooks: RunHooks, data: DataShape) {
    this.job = job;
    this.config = config;
    this.hooks = hooks;
    this.data = data;
  }

  /** A fresh run of `config` (validated here; bad values throw before anything is allocated). */
  static start(e: Engine, config: RunConfig, train: ImageLabelSet, test: ImageLabelSet, hooks: RunHooks = {}): RunSession {
    return new RunSession(makeJob(e, config, train, test, hooks), config, hooks, dataShape(train, test));
  }

  /** The run a snapshot() or checkpoint file holds, ready to go on; `name` names it in errors. */
  static restore(e: Engine, bytes: Uint8Array, train: ImageLabelSet, test: ImageLabelSet, hooks: RunHooks = {}, name = "snapshot"): RunSession {
    const { state, meta } = decodeCheckpoint(bytes, name);
    const run = meta.run as RunConfig | undefined;
    if (typeof run !== "object" || run === null || (run.kind !== "train" && run.kind !== "prune") || typeof run.config !== "object" || run.config === null) {
      throw new ShrinkError("E_CHECKPOINT", `${name}: metadata "run" must be {"kind": "train" | "prune", "config": {...}}`);
    }
    const want = dataShape(train, test), had = meta.data as DataShape;
    if (JSON.stringify(had) !== JSON.stringify(want)) {
      throw new ShrinkError("E_CHECKPOINT", `${name}: the run trained on ${describe(had)}, but this data is ${describe(want)} (restore it with the data it started with)`);
    }
    const job = makeJob(e, run, train, test, { ...hooks, init: undefined });
    try {
      job.loadFrom(state);
    } catch (err) {
      job.dispose();
      throw err;
    }
    return new RunSession(job, run, hooks, want);
  }

  get model(): Sequential {
    return this.job.model;
  }

  get spec(): ModelSpec {
    return this.job.spec;
  }

  /** Steps done over the whole run (all iterations), and how many it takes. */
  progress(): { step: number; totalSteps: number } {
    return this.job.progress();
  }

  /** Where the run last stopped between steps (null before its first step). */
  get position(): GatePoint | null {
    return this.last;
  }

  get done(): boolean {
    return this.finished !== null;
  }

  /** The finished run's result (null until advance() has returned true). */
  get outcome(): RunOutcome | null {
    return this.finished;
  }

  /**
   * Runs on for `steps` optimizer steps (all remaining by default) and stops
   * after that step; resolves true once the run has finished. One advance at a time.
   */
  advance(o: { steps?: number } = {}): Promise<boolean> {
    if (this.failed !== null) return Promise.reject(this.failed);
    if (this.finished) return Promise.resolve(true);
    if (this.running) return Promise.reject(new ShrinkError("E_STATE", "advance: the run is already advancing (await the previous advance first)"));
    if (o.steps !== undefined && (!Number.isInteger(o.steps) || o.steps < 1)) {
      return Promise.reject(new ShrinkError("E_ARG", `steps: ${o.steps} must be a positive integer`));
    }
    this.stopAt = o.steps === undefined ? Infinity : this.job.progress().step + o.steps;
    return new Promise<boolean>((resolve, reject) => {
      this.running = { resolve, reject };
      if (!this.started) {
        this.started = true;
        this.body = this.job.run(this.gate).then(
          (out) => { this.finished = out; this.settle((r) => r.resolve(true)); },
          (err) => { if (err !== STOPPED) this.failed = err; this.settle((r) => r.reject(err)); },
        );
      } else {
        const p = this.parked!;
        this.parked = null;
        p.resolve();
      }
    });
  }

  private settle(f: (r: NonNullable<RunSession["running"]>) => void): void {
    const r = this.running;
    this.running = null;
    if (r) f(r);
  }

  private gate: Gate = async (at) => {
    this.last = at;
    if (this.hooks.gate) {
      this.inGate = true;
      try {
        await this.hooks.gate(at);
      } finally {
        this.inGate = false;
      }
    }
    if (at.kind === "step" && at.runStep >= this.stopAt) {
      await new Promise<void>((resolve, reject) => {
        this.parked = { resolve, reject };
        this.settle((r) => r.resolve(false));
      });
    }
  };

  /**
   * The run's state as checkpoint bytes, between two advances (or before the
   * first), or from hooks.gate. `meta` adds JSON metadata (a CLI's recipe).
   */
  snapshot(meta: Record<string, unknown> = {}): Uint8Array {
    if (this.running && !this.inGate) throw new ShrinkError("E_STATE", "snapshot: the run is advancing; take a snapshot once advance() has returned");
    if (this.finished) throw new ShrinkError("E_STATE", "snapshot: the run has finished; save its model instead");
    if (this.failed !== null) throw new ShrinkError("E_STATE", "snapshot: the run failed; its state is not one to go on from");
    const s = new RunState();
    this.job.saveTo(s);
    return encodeCheckpoint(s, { ...meta, run: this.config, data: this.data, progress: this.job.progress() });
  }

  /** Frees everything; a paused run is unwound first (its loop's own buffers freed). */
  async dispose(): Promise<void> {
    if (this.parked) {
      const p = this.parked;
      this.parked = null;
      p.reject(STOPPED);
      await this.body;
    }
    this.job.dispose();
  }
}

function describe(d: DataShape | undefined): string {
  if (!d || typeof d !== "object") return "unknown data";
  return `${d.train} training and ${d.test} test images of ${Array.isArray(d.shape) ? d.shape.join("×") : "?"} in ${d.classes} classes`;
}
