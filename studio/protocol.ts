// Messages between the studio page (app.ts) and its Web Worker (worker.ts).
import type { RunConfig } from "../src/prune/run-session.js";

export interface NamedFile {
  name: string;
  bytes: Uint8Array;
}

export type ToWorker =
  /** threads: the engine's thread count (default: the page's cores less one, at most 8). */
  | { type: "start"; run: RunConfig; data: NamedFile[] | "embedded"; model: NamedFile | null; sliceSteps: number; threads?: number }
  | { type: "stop" };

export interface LayerPoint {
  name: string;
  sparsity: number;
}

export type FromWorker =
  /** pilot: the pilot's number in a D search for a target sparsity (null for a plain run), D: its final threshold. */
  | { type: "started"; totalSteps: number; layers: string[]; dataLine: string; soft: boolean; iterative: boolean; pilot: number | null; D: number | null }
  | { type: "pilot"; pilot: number; D: number; sparsity: number; testAccuracy: number }
  | { type: "batch"; step: number; totalSteps: number; loss: number; accuracy: number; lr: number; samplesPerSecond: number }
  | { type: "epoch"; epoch: number; iteration: number | null; testAccuracy: number; testLoss: number; trainLoss: number; sparsity: number; threshold: number | null; mu: number | null;
      layers: LayerPoint[]; histogram: { maxAbs: number; counts: number[]; zeros: number } }
  | { type: "iteration"; iteration: number; remaining: number; pqi: number | null; gini: number | null; prunedAccuracy: number; retrainedAccuracy: number }
  | { type: "done"; stopped: boolean; sparsity: number; testAccuracy: number; samplesPerSecond: number; bestSamplesPerSecond: number; seconds: number;
      /** A finished D search: the D found and which pilot it was (its charts are the result's). */
      search: { D: number; best: number; pilots: number } | null;
      files: { model: Uint8Array; sparse: Uint8Array; onnx: Uint8Array | null; log: string } }
  | { type: "error"; message: string };
