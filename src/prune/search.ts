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

export type Pilot = DSearch["pilots"][number];

/** Whether a method's target sparsity is searched for through D (the scheduled soft-threshold methods); magnitude and gmp prune to the target itself. */
export const targetIsSearched = (method: string): boolean => method !== "magnitude" && method !== "gmp";

/** A config whose target sparsity means pilot runs that search D. */
export const searchesD = (c: PruneConfig): boolean => c.targetSparsity !== undefined && targetIsSearched(c.method);

/**
 * The search's state, one pilot at a time, so a caller that runs its pilots
 * itself (the studio's worker, in stoppable slices) takes the same D's as
 * findDForSparsity: bracket by doubling/halving D, then regula falsi
 * (Illinois) on log D, which converges in a few runs because sparsity is
 * smooth and increasing in log D. Done at the first pilot within 0.5 points
 * of the target, or after maxPilots.
 */
export class DSearcher {
  readonly pilots: Pilot[] = [];
  /** The index in pilots of the one closest to the target so far (-1 before the first). */
  best = -1;
  /** The D of the next pilot. */
  D: number;
  private x: number;
  private lo: { x: number; f: number } | null = null; // log D with sparsity below target
  private hi: { x: number; f: number } | null = null; // log D with sparsity above target
  private side = 0;

  constructor(private readonly e: Engine, readonly target: number, D0: number, readonly maxPilots = 10) {
    if (!(target > 0 && target < 1)) throw new ShrinkError("E_ARG", `targetSparsity: ${target} must be in (0, 1)`);
    this.D = D0;
    this.x = e.k.log_f64(D0);
  }

  /** Records the pilot run at this.D; true while another pilot is needed (at the new this.D). */
  record(r: Omit<Pilot, "D">): boolean {
    const f = r.sparsity - this.target;
    this.pilots.push({ D: this.D, ...r });
    if (this.best < 0 || Math.abs(f) < Math.abs(this.pilots[this.best].sparsity - this.target)) this.best = this.pilots.length - 1;
    if (Math.abs(f) <= 0.005 || this.pilots.length >= this.maxPilots) return false;
    const { x } = this;
    if (f < 0) { if (this.side === -1 && this.hi) this.hi.f /= 2; this.lo = { x, f }; this.side = -1; }
    else { if (this.side === 1 && this.lo) this.lo.f /= 2; this.hi = { x, f }; this.side = 1; }
    const { lo, hi } = this;
    if (lo && hi) this.x = lo.x + (hi.x - lo.x) * (-lo.f / (hi.f - lo.f)); // regula falsi (Illinois)
    else this.x += f < 0 ? Math.LN2 : -Math.LN2;
    this.D = this.e.k.exp_f64(this.x);
    return true;
  }

  /** One line per pilot, as the CLI prints them. */
  line(i: number): string {
    const p = this.pilots[i];
    return `target-sparsity: pilot ${i + 1}: D ${p.D.toPrecision(5)} → sparsity ${(100 * p.sparsity).toFixed(2)}%`;
  }

  /** Throws E_TARGET unless the closest pilot is within one point of the target. */
  check(): void {
    const b = this.pilots[this.best];
    if (!b || Math.abs(b.sparsity - this.target) > 0.01) {
      throw new ShrinkError("E_TARGET", `targetSparsity ${this.target}: no D within one point after ${this.pilots.length} pilot runs` +
        (b ? ` (closest: D ${b.D.toPrecision(5)} → ${(100 * b.sparsity).toFixed(2)}%)` : ""));
    }
  }
}

/**
 * Finds D for a target sparsity with full-length pilot runs of the same
 * configuration (sparsity depends on the whole trajectory, so shortened pilots
 * mislead), chosen by DSearcher. The closest pilot is the result, so the cost
 * is the pilots alone (typically 3–6 training runs).
 */
export async function findDForSparsity(e: Engine, c: PruneConfig, train: ImageLabelSet, test: ImageLabelSet,
  o: { hooks?: (pilot: number) => PruneHooks; log?: (s: string) => void; maxPilots?: number } = {}): Promise<DSearch> {
  validatePruneConfig(c);
  if (c.targetSparsity === undefined) throw new ShrinkError("E_ARG", "targetSparsity: missing");
  const t0 = performance.now();
  const s = new DSearcher(e, c.targetSparsity, c.D ?? defaultD(c.model), o.maxPilots);
  let best: PruneRun | null = null;
  for (let more = true; more;) {
    const i = s.pilots.length;
    const run = await runPrune(e, { ...c, D: s.D, targetSparsity: undefined }, train, test, o.hooks?.(i + 1) ?? {});
    more = s.record({ sparsity: run.sparsity, testAccuracy: run.result.final.testAccuracy, seconds: run.result.seconds });
    o.log?.(s.line(i));
    if (s.best === i) { best?.dispose(); best = run; } else run.dispose();
  }
  try {
    s.check();
  } catch (err) {
    best?.dispose();
    throw err;
  }
  return { D: best!.D!, pilots: s.pilots, seconds: (performance.now() - t0) / 1000, run: best! };
}
