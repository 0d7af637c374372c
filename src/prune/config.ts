// A pruning run's configuration: the methods, their defaults, which options
// each method reads, and the validation that runs before any work. Errors name
// the config field (the CLI maps fields to its flags).
import { parsePattern } from "./pattern.js";
import { ShrinkError } from "../engine/errors.js";
import type { TrainConfig } from "../train/config.js";
import { modelSpec, specFromArchitecture, paramNames, weightNames } from "../nn/models.js";
import { SOFT_THRESHOLD_METHODS } from "./soft-threshold.js";
import { ITERATIVE_METHODS, validateIterative, type IterativeMethod } from "./iterative.js";
import { checkGmpRamp } from "./gmp.js";
import { prunableNames } from "./prunable.js";
import { SCOPES, type Scope } from "./scopes.js";

export const PRUNE_METHODS = [...SOFT_THRESHOLD_METHODS, "magnitude", "gmp", ...ITERATIVE_METHODS] as const;
export type PruneMethod = (typeof PRUNE_METHODS)[number];

export interface PruneConfig extends TrainConfig {
  method: PruneMethod;
  D?: number;
  mu?: number;
  /** PGH decay β ∈ (0, 1] (LATS Eq. 15). */
  beta: number;
  grad: "ste" | "subgradient";
  threshold: "global" | "layer";
  stopPenalty?: number;
  exclude: string[];
  /** N:M structured pattern ("2:4"): every mask (or, for soft-threshold methods, the final weights) satisfies it. */
  pattern?: string;
  targetSparsity?: number;
  sInit: number;
  pruneAt?: number;
  /** Scope of mask-based methods (gmp, sap, lottery, one-shot). */
  scope: Scope;
  /** Iterative methods: iterations T (each `epochs` long), PQ Index p, q, η_r, γ, SAP's maximum ratio (β in the PQI paper), LT/One Shot ratio P. */
  iterations: number;
  p: number;
  q: number;
  etaR: number;
  gamma: number;
  maxRatio: number;
  ratio: number;
  /** gmp: begin/end of the sparsity ramp as fractions of the run; steps between mask updates. */
  begin: number;
  end: number;
  every: number;
}

/**
 * The final threshold D of the scheduled soft-threshold methods when none is
 * given. It is in weight units, and conv weights feeding batch norm end up far
 * smaller than the MLP's (batch norm makes them scale-free, so weight decay
 * shrinks them unopposed): D = 0.1 prunes the cnn to 94% after one epoch of
 * three at 38% accuracy, so the conv nets default to CONV_DEFAULT_D.
 */
export const CONV_DEFAULT_D = 0.02;
export function defaultD(model: string): number {
  return model === "linear" || model === "mlp" ? DEFAULT_PRUNE.D : CONV_DEFAULT_D;
}

/** Defaults: S-LATS; D = 0.1 gives ~93% sparsity on the MLP over 10 epochs of the embedded data. */
export const DEFAULT_PRUNE = {
  method: "slats" as PruneMethod, D: 0.1, beta: 1e-5, grad: "ste" as const, threshold: "global" as const, sInit: -5,
  scope: "global" as Scope, iterations: 8, p: 0.5, q: 1, etaR: 0, gamma: 1, maxRatio: 0.9, ratio: 0.2, begin: 0, end: 0.75, every: 50,
};

/** The method-specific fields of PruneConfig (the training fields apply to every method). */
export const PRUNE_FIELDS = ["D", "mu", "beta", "grad", "threshold", "stopPenalty", "exclude", "pattern", "targetSparsity", "sInit", "pruneAt",
  "scope", "iterations", "p", "q", "etaR", "gamma", "maxRatio", "ratio", "begin", "end", "every"] as const;
export type PruneField = (typeof PRUNE_FIELDS)[number];

const SCHEDULED: readonly PruneField[] = ["D", "exclude", "targetSparsity", "stopPenalty", "grad"];
const TRAINED: readonly PruneField[] = ["exclude", "grad", "threshold", "sInit"];
const ITERATIVE: readonly PruneField[] = ["exclude", "scope", "iterations"];

/** Which method-specific fields each method reads: any other one given is refused, not silently ignored. */
export function methodFields(method: PruneMethod): readonly PruneField[] {
  return [...ownFields(method), "pattern"]; // every method takes an N:M pattern
}

function ownFields(method: PruneMethod): readonly PruneField[] {
  switch (method) {
    case "lats": return [...SCHEDULED, "mu"];
    case "pgh": return [...SCHEDULED, "beta"];
    case "slats": case "sine": case "linear": case "log2": case "constant": return SCHEDULED;
    case "str": return TRAINED;
    case "gpo": return TRAINED.filter((f) => f !== "grad");
    case "magnitude": return ["exclude", "targetSparsity", "pruneAt"];
    case "gmp": return ["exclude", "targetSparsity", "scope", "begin", "end", "every"];
    case "sap": return [...ITERATIVE, "p", "q", "etaR", "gamma", "maxRatio"];
    case "lottery": case "one-shot": return [...ITERATIVE, "ratio"];
  }
}

/** Refuses method-specific fields that `method` does not read (`given`: the fields the user set). */
export function checkMethodFields(method: PruneMethod, given: Iterable<string>): void {
  const used = methodFields(method);
  for (const f of given) {
    if ((PRUNE_FIELDS as readonly string[]).includes(f) && !used.includes(f as PruneField)) {
      const users = PRUNE_METHODS.filter((m) => methodFields(m).includes(f as PruneField));
      throw new ShrinkError("E_ARG", `${f}: method ${method} does not use it (it applies to ${users.join(", ")})`);
    }
  }
}

/** Checks a pruning configuration before any work (errors name the field). */
export function validatePruneConfig(c: PruneConfig): void {
  if (c.exclude !== undefined && (!Array.isArray(c.exclude) || !c.exclude.every((x) => typeof x === "string"))) throw new ShrinkError("E_ARG", `exclude: ${JSON.stringify(c.exclude)} must be a list of parameter-name globs`);
  if (!(PRUNE_METHODS as readonly string[]).includes(c.method)) throw new ShrinkError("E_ARG", `method: unknown method "${c.method}" (allowed: ${PRUNE_METHODS.join(", ")})`);
  if (c.D !== undefined && !(c.D > 0 && Number.isFinite(c.D))) throw new ShrinkError("E_ARG", `D: ${c.D} must be a finite number > 0`);
  if (c.mu !== undefined && c.method !== "lats") throw new ShrinkError("E_ARG", `mu: only method lats is parameterised by μ (got ${c.method})`);
  if (c.mu !== undefined && c.D !== undefined) throw new ShrinkError("E_ARG", "mu: give mu or D, not both (D = μ·Σ η)");
  if (!(c.beta > 0 && c.beta <= 1)) throw new ShrinkError("E_ARG", `beta: ${c.beta} must be in (0, 1] (use a small β such as 1e-10 to prune at initialisation)`);
  if (c.stopPenalty !== undefined && !(c.stopPenalty > 0 && Number.isFinite(c.stopPenalty))) throw new ShrinkError("E_ARG", `stopPenalty: ${c.stopPenalty} must be a finite number > 0`);
  if (c.stopPenalty !== undefined && !methodFields(c.method).includes("stopPenalty")) throw new ShrinkError("E_ARG", `stopPenalty: needs a scheduled threshold (not ${c.method})`);
  if (c.targetSparsity !== undefined && !(c.targetSparsity > 0 && c.targetSparsity < 1)) throw new ShrinkError("E_ARG", `targetSparsity: ${c.targetSparsity} must be in (0, 1)`);
  if (!(SCOPES as readonly string[]).includes(c.scope)) throw new ShrinkError("E_ARG", `scope: unknown scope "${c.scope}" (allowed: ${SCOPES.join(", ")})`);
  if ((ITERATIVE_METHODS as readonly string[]).includes(c.method)) {
    validateIterative({ method: c.method as IterativeMethod, iterations: c.iterations, epochs: c.epochs, scope: c.scope, p: c.p, q: c.q, etaR: c.etaR, gamma: c.gamma, maxRatio: c.maxRatio, ratio: c.ratio, seed: c.seed });
    if (c.targetSparsity !== undefined) throw new ShrinkError("E_ARG", `targetSparsity: ${c.method} sets its pace per iteration (iterations, ratio, or the PQI-bound); it takes no target`);
  }
  if (c.method === "gmp") checkGmpRamp(c.begin, c.end, c.every);
  if (c.targetSparsity !== undefined && (c.method === "str" || c.method === "gpo")) throw new ShrinkError("E_ARG", `targetSparsity: ${c.method} trains its own threshold, so there is no D to search (use a scheduled method such as slats)`);
  if ((c.method === "magnitude" || c.method === "gmp") && c.targetSparsity === undefined) throw new ShrinkError("E_ARG", `targetSparsity: method ${c.method} needs a target sparsity S`);
  if (c.pruneAt !== undefined && !(c.pruneAt >= 0 && c.pruneAt < c.epochs)) throw new ShrinkError("E_ARG", `pruneAt: ${c.pruneAt} must be an epoch in [0, ${c.epochs})`);
  if (c.threshold === "layer" && c.method !== "str" && c.method !== "gpo") throw new ShrinkError("E_ARG", `threshold: layer: only str and gpo train a threshold per layer; ${c.method} uses one global scheduled threshold`);
  if (c.method === "gpo" && c.grad === "subgradient") throw new ShrinkError("E_ARG", "grad: gpo uses its own gradient ((1 − k)·1[|θ| > d] + k); leave grad unset");
  // Names do not depend on the input shape: any valid one will do.
  const spec = c.model === "custom" && c.architecture ? specFromArchitecture(c.architecture) : modelSpec(c.model, [1, 32, 32], 10, { width: c.width, timesteps: c.timesteps, neuron: c.neuron });
  prunableNames(paramNames(spec), weightNames(spec), c.exclude);
  if (!Number.isFinite(c.sInit)) throw new ShrinkError("E_ARG", `sInit: ${c.sInit} must be a finite number`);
  if (c.pattern !== undefined) parsePattern(c.pattern);
}
