// The search for the final threshold D that gives a target sparsity: users
// think in sparsity, not thresholds.
import type { Engine } from "../engine/engine.js";
import type { ImageLabelSet } from "../data/idx.js";
import { ShrinkError } from "../engine/errors.js";
import { runPrune, type PruneHooks, type PruneRun } from "./run.js";
import { defaultD, validatePruneConfig, type PruneConfig } from "./config.js";

export interface DSearch {
  D: number;
  pilots: { D: number; sparsity: number; testAccuracy: number; seconds: number }[];
  seconds: number;
  /** The pilot that landed closest: the caller keeps it as the result (runs are deterministic). */
  run: PruneRun;
}

/**
 * Finds D for a target sparsity with full-length pilot runs of the same
 * configuration (sparsity depends on the whole trajectory, so shortened pilots
 * mislead): bracket by doubling/halving D, then regula falsi (Illinois) on
 * log D, which converges in a few runs because sparsity is smooth and
 * increasing in log D. Stops at the first pilot within 0.5 points of the
 * target; that pilot is the result, so the cost is the pilots alone
 * (typically 3–6 training runs).
 */
export async function findDForSparsity(e: Engine, c: PruneConfig, train: ImageLabelSet, test: ImageLabelSet,
  o: { hooks?: (pilot: number) => PruneHooks; log?: (s: string) => void; maxPilots?: number } = {}): Promise<DSearch> {
  validatePruneConfig(c);
  if (c.targetSparsity === undefined) throw new ShrinkError("E_ARG", "targetSparsity: missing");
  const target = c.targetSparsity;
  const t0 = performance.now();
  const pilots: DSearch["pilots"] = [];
  let lo: { x: number; f: number } | null = null; // log D with sparsity below target
  let hi: { x: number; f: number } | null = null; // log D with sparsity above target
  let side = 0;
  let D = c.D ?? defaultD(c.model);
  let x = e.k.log_f64(D);
  const maxPilots = o.maxPilots ?? 10;
  let best: { run: PruneRun; err: number } | null = null;
  for (let i = 0; i < maxPilots; i++) {
    const run = await runPrune(e, { ...c, D, targetSparsity: undefined }, train, test, o.hooks?.(i + 1) ?? {});
    const f = run.sparsity - target;
    pilots.push({ D, sparsity: run.sparsity, testAccuracy: run.result.final.testAccuracy, seconds: run.result.seconds });
    o.log?.(`target-sparsity: pilot ${i + 1}: D ${D.toPrecision(5)} → sparsity ${(100 * run.sparsity).toFixed(2)}%`);
    if (!best || Math.abs(f) < best.err) {
      best?.run.dispose();
      best = { run, err: Math.abs(f) };
    } else run.dispose();
    if (Math.abs(f) <= 0.005) break;
    if (f < 0) { if (side === -1 && hi) hi.f /= 2; lo = { x, f }; side = -1; }
    else { if (side === 1 && lo) lo.f /= 2; hi = { x, f }; side = 1; }
    if (lo && hi) x = lo.x + (hi.x - lo.x) * (-lo.f / (hi.f - lo.f)); // regula falsi (Illinois)
    else x += f < 0 ? Math.LN2 : -Math.LN2;
    D = e.k.exp_f64(x);
  }
  if (!best || best.err > 0.01) {
    const closest = pilots.reduce((a, b) => (Math.abs(a.sparsity - target) <= Math.abs(b.sparsity - target) ? a : b));
    best?.run.dispose();
    throw new ShrinkError("E_TARGET", `targetSparsity ${target}: no D within one point after ${pilots.length} pilot runs (closest: D ${closest.D.toPrecision(5)} → ${(100 * closest.sparsity).toFixed(2)}%)`);
  }
  return { D: best.run.D!, pilots, seconds: (performance.now() - t0) / 1000, run: best.run };
}

