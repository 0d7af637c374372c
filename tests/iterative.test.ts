// Iterative pruning with rewinding (src/prune/iterative.ts): SAP (the PQI
// paper's Algorithm 1), Lottery Ticket and One Shot, through runIterativePrune
// and through runIterative on an instrumented session (tests/helpers/iterative.ts:
// a hook when the trainer shuffles at the start of an iteration's training,
// i.e. after the rewind and before the first step; a model with zero gradients
// so hand-set weights reach the pruning step unchanged). Also the scope
// primitives (scopeGroups, pruneSmallest, keptCount), MaskedSgd, leak checks
// and option validation (library and CLI).
//
// Calibration (synthetic data of tests/helpers/prune.ts, mlp, seed 0, 1 epoch
// per iteration, 135680 prunable weights): SAP (0.5, 1) global reports PQI
// 0.1655 at iteration 1 and prunes 22455; SAP (1, 2) reports 0.2392 and
// prunes 57147; Lottery / One Shot prune 27136 = ⌊0.2·135680⌋.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import type { Engine } from "../src/engine/engine.ts";
import type { Sequential } from "../src/nn/sequential.ts";
import { createSession, type Session } from "../src/train/session.ts";
import { train } from "../src/train/trainer.ts";
import { prunableParams } from "../src/prune/prunable.ts";
import { runIterative, validateIterative, type IterationReport, type IterativeHooks, type IterativeOptions } from "../src/prune/iterative.ts";
import { runIterativePrune } from "../src/prune/run-iterative.ts";
import { validatePruneConfig, type PruneConfig } from "../src/prune/config.ts";
import { scopeGroups, pruneSmallest, keptCount } from "../src/prune/scopes.ts";
import { pqiBound } from "../src/prune/measures/pq-index.ts";
import { MaskedSgd } from "../src/optim/masked-sgd.ts";
import { Sgd } from "../src/optim/sgd.ts";
import { ShrinkError } from "../src/engine/errors.ts";
import { engine, lcg, uniformArray, syntheticImageSet, repoRoot } from "./helpers/engine.ts";
import { TRAIN, TEST, pruneConfig, modelBytes, equalBytes, relErr } from "./helpers/prune.ts";
import {
  iterOpts, withShuffleHook, withFrozenTraining, snapshot, f32bits, nonzeroMask, count, makeParam, freeParam,
  onesMasks, freeMasks, numbersIn,
} from "./helpers/iterative.ts";

const TOTAL = 784 * 128 + 128 * 256 + 256 * 10; // 135680 prunable weights of the mlp
const WEIGHTS = ["fc1.weight", "fc2.weight", "fc3.weight"];
const SGD = { momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: true };

/** kept entries after an iteration = remainingAfter·total (remainingAfter is kept/total). */
const keptAfter = (r: IterationReport, total = TOTAL) => Math.round(r.remainingAfter * total);

/** The paper's c_t for one scope group (Algorithm 1), computed here independently of src. */
function sapC(d: number, I: number, p: number, q: number, etaR: number, gamma: number, beta: number): number {
  const r = d * (1 + etaR) ** (-q / (q - p)) * (1 - I) ** ((q * p) / (q - p));
  const n = Math.round(r);
  const snapped = Math.abs(r - n) <= 1e-12 * Math.max(1, r) ? n : r; // as src/prune/iterative.ts snapToInteger
  return Math.floor(Math.min(gamma * (d - snapped), beta * d));
}

/** PQ Index of a list of magnitudes, in f64 (Eq. 1). */
function pqiRef(w: ArrayLike<number>, p: number, q: number): number {
  let sp = 0, sq = 0;
  const d = w.length;
  for (let i = 0; i < d; i++) {
    const a = Math.abs(w[i]);
    sp += a ** p;
    sq += a ** q;
  }
  return 1 - d ** (1 / q - 1 / p) * sp ** (1 / p) / sq ** (1 / q);
}

/** Runs with the hooks and disposes. */
async function runIter(e: Engine, c: PruneConfig, hooks: IterativeHooks = {}) {
  const run = await runIterativePrune(e, c, TRAIN, TEST, hooks);
  try {
    return { reports: run.iterations, bytes: modelBytes(e, run.model), weights: snapshot(run.model.params()) };
  } finally {
    run.dispose();
  }
}

interface SessionSetup {
  hooks?: IterativeHooks;
  onShuffle?: () => void;
  /** Make model.params() return the same Param objects on every call. */
  stableParams?: boolean;
  frozen?: boolean;
}

/**
 * runIterative on a session built here, exactly as runIterativePrune calls it
 * (prunable = prunableParams(session.model.params())), with instrumentation.
 * `setup` gets the session (to read its model from hooks); `after` runs
 * before dispose.
 */
async function sessionRun<T>(e: Engine, c: PruneConfig, train_: typeof TRAIN, test_: typeof TEST, o: IterativeOptions,
  setup: (s: Session) => SessionSetup, after: (s: Session, reports: IterationReport[]) => T | Promise<T>, beforeRun?: (s: Session) => void): Promise<T> {
  const base = createSession(e, c, train_, test_);
  try {
    let s: Session = base;
    const st = setup(base);
    if (st.stableParams) {
      const cached = base.model.params();
      const model = new Proxy(base.model, {
        get(t, prop) {
          if (prop === "params") return () => cached;
          const v = Reflect.get(t, prop, t);
          return typeof v === "function" ? v.bind(t) : v;
        },
      }) as Sequential;
      s = { ...s, model };
    }
    if (st.frozen) s = withFrozenTraining(s);
    if (st.onShuffle) s = withShuffleHook(s, st.onShuffle);
    beforeRun?.(base);
    const reports = await runIterative(e, s, prunableParams(s.model.params()), o, st.hooks);
    return await after(base, reports);
  } finally {
    base.dispose();
  }
}

const weightIdx = (s: Session) => s.model.params().flatMap((p, i) => (p.kind === "weight" ? [i] : []));

// ------------------------------------------------------------ SAP's c_t

test("SAP (p 0.5, q 1, η_r 0, γ 1, β 0.9), global: r_t = d_t(1 − I), c_t = ⌊d_t − r_t⌋, kept within 1 of d_t(1 − I); I is the PQI of w_t", async () => {
  const e = await engine();
  const c = pruneConfig({ method: "sap", epochs: 1, iterations: 4 });
  const o = iterOpts({ iterations: 4 });
  const trained: Float32Array[][] = [];
  const masks: Uint8Array[][] = [];
  await sessionRun(e, c, TRAIN, TEST, o, (s) => ({
    hooks: {
      onEpoch: () => void trained.push(weightIdx(s).map((i) => s.model.params()[i].value.toArray())),
      onIteration: () => void masks.push(weightIdx(s).map((i) => nonzeroMask(s.model.params()[i].value.toArray()))),
    },
  }), (_s, reports) => {
    assert.equal(reports.length, 4);
    let d = TOTAL;
    for (const [t, r] of reports.entries()) {
      const I = r.pqi;
      assert.ok(I !== null && I > 0 && I < 0.9, `iteration ${t + 1}: PQI ${I}`);
      assert.equal(r.d, d, `iteration ${t + 1}: d_t is what the previous iteration kept`);
      assert.equal(r.remainingBefore, d / TOTAL);
      // η_r = 0 and qp/(q − p) = 1: the PQI-bound is d(1 − I) (pqiBound computes d·1·(1 − I)¹).
      assert.equal(r.r, d * (1 - I), `iteration ${t + 1}: r_t`);
      assert.equal(r.c, Math.floor(Math.min(d - r.r!, 0.9 * d)), `iteration ${t + 1}: c_t`);
      assert.equal(r.c, sapC(d, I, 0.5, 1, 0, 1, 0.9));
      const kept = keptAfter(r);
      assert.equal(r.remainingAfter, kept / TOTAL);
      assert.equal(kept, d - r.c, `iteration ${t + 1}: exactly c_t pruned`);
      assert.ok(Math.abs(kept - d * (1 - I)) < 1, `iteration ${t + 1}: kept ${kept} vs d(1 − I) = ${d * (1 - I)}`);
      assert.ok(kept >= r.r! && kept - r.r! < 1, `kept ${kept} = ⌈d(1 − I)⌉ (fraction kept ${kept / d} = 1 − PQI ${1 - I} to the rounding of c_t)`);
      // The reported PQI is Eq. 1 over the remaining entries of the trained w_t (m_t from the previous iteration's zeros).
      const m = t === 0 ? null : masks[t - 1];
      if (m) assert.equal(m.reduce((n, x) => n + count(x), 0), d, "m_t = the nonzeros after the previous pruning");
      const rem: number[] = [];
      trained[t].forEach((w, k) => w.forEach((x, j) => { if (!m || m[k][j]) rem.push(x); }));
      assert.equal(rem.length, d);
      assert.ok(Math.abs(I - pqiRef(rem, 0.5, 1)) <= 1e-9, `iteration ${t + 1}: PQI ${I} vs f64 reference ${pqiRef(rem, 0.5, 1)}`);
      // The model after pruning holds exactly `kept` nonzero weights.
      assert.equal(masks[t].reduce((n, x) => n + count(x), 0), kept);
      d = kept;
    }
  });
});

// A tiny linear model (2×2 images → 2 classes: fc.weight [2, 4]) whose training
// is frozen (zero gradients, weight decay 0), so every iteration measures the
// hand-set weights.
const TINY_TRAIN = syntheticImageSet(8, 5, 2, 2, 2);
const TINY_TEST = syntheticImageSet(8, 6, 2, 2, 2);
const UNIT_TRAIN = syntheticImageSet(8, 5, 1, 1, 2); // 1×1 images: fc.weight [2, 1]
const UNIT_TEST = syntheticImageSet(8, 6, 1, 1, 2);
const tinyConfig = () => pruneConfig({ model: "linear", batch: 4, epochs: 1, weightDecay: 0 });

async function tinyRun(e: Engine, weights: number[], o: IterativeOptions, unit = false) {
  let fcWeight: Float32Array | null = null;
  const reports = await sessionRun(e, tinyConfig(), unit ? UNIT_TRAIN : TINY_TRAIN, unit ? UNIT_TEST : TINY_TEST, o, () => ({ frozen: true }),
    (s, reps) => { fcWeight = s.model.params()[0].value.toArray(); return reps; },
    (s) => s.model.params()[0].value.set(weights));
  return { reports, fcWeight: fcWeight! };
}

test("c_t edge cases on hand-set weights: PQI 0 (equal magnitudes) prunes nothing; γ 100 caps at ⌊β·d⌋; d_t = 1 prunes nothing", async () => {
  const e = await engine();
  // All |w| equal: I = 0 (the kernel clamps to [0, 1 − d^{1/q−1/p}]), r = d, c = 0 whatever γ.
  for (const gamma of [1, 100]) {
    for (const [p, q] of [[0.5, 1], [1, 2]]) {
      const { reports, fcWeight } = await tinyRun(e, [0.5, -0.5, 0.5, 0.5, -0.5, -0.5, 0.5, -0.5], iterOpts({ iterations: 3, gamma, p, q, scope: "global" }));
      for (const r of reports) {
        assert.equal(r.d, 8);
        assert.ok(r.pqi !== null && r.pqi >= 0 && r.pqi <= 1e-15, `γ ${gamma}, (${p}, ${q}): PQI ${r.pqi} of equal magnitudes`);
        assert.ok(relErr(r.r!, 8) <= 1e-15, `r ${r.r}`);
        assert.equal(r.c, 0, `γ ${gamma}, (${p}, ${q}): nothing pruned`);
        assert.equal(r.remainingAfter, 1);
        assert.ok(r.gini !== null && Math.abs(r.gini) <= 1e-12, `Gini ${r.gini} of equal magnitudes`);
      }
      assert.ok(fcWeight.every((x) => Math.abs(x) === 0.5));
    }
  }
  // Distinct magnitudes, γ = 100: c_1 = ⌊0.9·8⌋ = 7 keeps only the largest |w|; then d_2 = 1: I = 0, r = 1, c = 0.
  const w = [0.125, -0.25, 0.375, -0.5, 0.625, -1, 0.75, 0.875];
  {
    const { reports, fcWeight } = await tinyRun(e, w, iterOpts({ iterations: 3, gamma: 100, scope: "global" }));
    assert.ok(reports[0].pqi! > 0.01, `PQI ${reports[0].pqi}`);
    assert.equal(reports[0].c, 7, "⌊β·d⌋ = ⌊0.9·8⌋");
    assert.equal(reports[0].c, sapC(8, reports[0].pqi!, 0.5, 1, 0, 100, 0.9));
    assert.equal(keptAfter(reports[0], 8), 1);
    for (const r of reports.slice(1)) {
      assert.equal(r.d, 1);
      assert.equal(r.pqi, 0, "PQI of one entry");
      assert.equal(r.gini, 0, "Gini of one entry");
      assert.equal(r.r, 1);
      assert.equal(r.c, 0, "d_t = 1: nothing pruned");
      assert.equal(keptAfter(r, 8), 1);
    }
    assert.deepEqual(Array.from(fcWeight, f32bits), w.map((x) => (x === -1 ? f32bits(-1) : 0)), "the largest |w| survives with its bits");
  }
  // γ = 1 on the same weights: c = ⌊8·I⌋ with I the f64 PQI of the weights.
  {
    const { reports } = await tinyRun(e, w, iterOpts({ iterations: 1, gamma: 1, scope: "global" }));
    assert.ok(Math.abs(reports[0].pqi! - pqiRef(w, 0.5, 1)) <= 1e-12, `PQI ${reports[0].pqi} vs ${pqiRef(w, 0.5, 1)}`);
    assert.equal(reports[0].c, Math.floor(8 - 8 * (1 - reports[0].pqi!)));
  }
  // d = 1 groups: neuron scope on fc.weight [2, 1] never prunes (γ 100, β 0.9 or 1); layer scope (d = 2) prunes the smaller.
  for (const maxRatio of [0.9, 1]) {
    const { reports, fcWeight } = await tinyRun(e, [0.25, -0.75], iterOpts({ iterations: 2, gamma: 100, maxRatio, scope: "neuron" }), true);
    for (const r of reports) { assert.equal(r.c, 0, `neuron scope, β ${maxRatio}: each group has d = 1`); assert.equal(r.r, 2, "Σ r over two groups of d = 1"); }
    assert.deepEqual(Array.from(fcWeight), [0.25, -0.75]);
  }
  {
    const { reports, fcWeight } = await tinyRun(e, [0.25, -0.75], iterOpts({ iterations: 2, gamma: 100, scope: "layer" }), true);
    assert.equal(reports[0].c, 1, "⌊min(100·(2 − r), 1.8)⌋");
    assert.equal(reports[1].c, 0);
    assert.deepEqual(Array.from(fcWeight), [0, -0.75]);
  }
  // The formula directly: a single entry has r = d = 1 for any (p, q), η_r = 0.
  for (const [p, q] of [[0.5, 1], [1, 2], [0.3, 3]]) assert.equal(pqiBound(e, 1, 0, p, q, 0), 1);
  assert.equal(sapC(1, 0, 0.5, 1, 0, 1e6, 1), 0);
});

test("undefined PQI (every remaining weight zero): nothing pruned, PQI/Gini null, no NaN anywhere in the reports", async () => {
  const e = await engine();
  const zeros = new Array(8).fill(0);
  for (const scope of ["global", "layer", "neuron"] as const) {
    const { reports, fcWeight } = await tinyRun(e, zeros, iterOpts({ iterations: 2, scope }));
    for (const r of reports) {
      assert.equal(r.pqi, null, `${scope}: PQI of all-zero weights`);
      assert.equal(r.gini, null);
      assert.equal(r.c, 0, `${scope}: nothing pruned`);
      assert.equal(r.r, 0, `${scope}: no group contributes an r`);
      assert.equal(r.d, 8);
      assert.equal(r.remainingAfter, 1);
      for (const l of r.layers) { assert.equal(l.pqi, null); assert.equal(l.gini, null); assert.equal(l.remaining, 1); }
      for (const [path, v] of numbersIn(r)) assert.ok(Number.isFinite(v), `${scope}: ${path} = ${v}`);
    }
    assert.ok(fcWeight.every((x) => x === 0));
  }
  // Lottery on the same weights prunes ⌊0.2·d⌋ zeros per iteration, still without NaN.
  const { reports } = await tinyRun(e, zeros, iterOpts({ method: "lottery", iterations: 2 }));
  assert.deepEqual(reports.map((r) => r.c), [1, 1]);
  for (const r of reports) for (const [path, v] of numbersIn(r)) assert.ok(Number.isFinite(v), `lottery: ${path} = ${v}`);
});

// ------------------------------------------------------------ scope primitives

test("scopeGroups / pruneSmallest / keptCount on hand-built tensors: global ranks across tensors (ties to tensor order, then index), layer and neuron stay inside their group", async () => {
  const e = await engine();
  const A = makeParam(e, "A", [2, 3], [0.5, -0.1, 0.3, 0.2, -0.2, 0.9]);
  const B = makeParam(e, "B", [4], [0.1, -0.05, 0.7, 0.2]);
  const start = e.liveBuffers;
  const masks = onesMasks(e, [A, B]);
  const get = () => [...e.u8(masks.get(A)!, 6), ...e.u8(masks.get(B)!, 4)];
  try {
    const [g] = scopeGroups([A, B], "global");
    assert.equal(g.name, "global");
    assert.equal(g.size, 10);
    assert.deepEqual(g.segments.map((s) => [s.param.name, s.offset, s.length]), [["A", 0, 6], ["B", 0, 4]]);
    assert.deepEqual(scopeGroups([A, B], "layer").map((x) => [x.name, x.size]), [["A", 6], ["B", 4]]);
    const neurons = scopeGroups([A, B], "neuron");
    assert.deepEqual(neurons.map((x) => [x.name, x.segments[0].offset, x.size]), [["A[0]", 0, 3], ["A[1]", 3, 3], ["B[0]", 0, 1], ["B[1]", 1, 1], ["B[2]", 2, 1], ["B[3]", 3, 1]]);
    assert.throws(() => scopeGroups([A], "row" as never), (err: unknown) => err instanceof ShrinkError && /^scope: /.test(err.message) && /"row"/.test(err.message));

    assert.equal(pruneSmallest(e, g, masks, 0), 0);
    assert.equal(keptCount(e, g, masks), 10);
    // |w|: B1 0.05 < A1 = B0 0.1 < A3 = A4 = B3 0.2 < … → c = 4 prunes B1, A1, B0 and A3 (the first 0.2 in tensor order).
    assert.equal(pruneSmallest(e, g, masks, 4), 4);
    assert.deepEqual(get(), [1, 0, 1, 0, 1, 1, /* B */ 0, 0, 1, 1]);
    assert.equal(keptCount(e, g, masks), 6);
    // Already pruned entries are not candidates again: the next two are A4 and B3.
    assert.equal(pruneSmallest(e, g, masks, 2), 2);
    assert.deepEqual(get(), [1, 0, 1, 0, 0, 1, 0, 0, 1, 0]);
    // Neuron A[0] (0.5, —, 0.3): one more prunes A2; A[1] and B untouched.
    assert.equal(pruneSmallest(e, neurons[0], masks, 1), 1);
    assert.deepEqual(get(), [1, 0, 0, 0, 0, 1, 0, 0, 1, 0]);
    assert.equal(keptCount(e, neurons[1], masks), 1);
    // A rank map (One Shot's w_0) decides instead of the current values: rank B by [9, 9, 0.01, 9].
    const rank = e.alloc(4);
    e.f32(rank, 4).set([9, 9, 0.01, 9]);
    const layerB = scopeGroups([A, B], "layer")[1];
    assert.equal(pruneSmallest(e, layerB, masks, 1, new Map([[B, rank]])), 1);
    assert.deepEqual(get().slice(6), [0, 0, 0, 0], "B2 (rank 0.01) pruned although |B2| = 0.7");
    e.free(rank);
    // c ≥ kept prunes every candidate and reports how many.
    assert.equal(pruneSmallest(e, g, masks, 100), 2);
    assert.equal(keptCount(e, g, masks), 0);
    assert.equal(pruneSmallest(e, g, masks, 1), 0);
    // Values are never modified by selection.
    assert.deepEqual(Array.from(A.value.toArray()), Array.from(new Float32Array([0.5, -0.1, 0.3, 0.2, -0.2, 0.9])));
  } finally {
    freeMasks(e, masks);
  }
  assert.equal(e.liveBuffers, start, "pruneSmallest frees its scratch");
  freeParam(A);
  freeParam(B);
});

// ------------------------------------------------------------ masked training

test("MaskedSgd (momentum 0.9, Nesterov, wd 5e-4): masked weights and momentum are +0 after every step with nonzero (even NaN) gradients; kept entries match plain SGD bit for bit", async () => {
  const e = await engine();
  const rand = lcg(7);
  const start = e.liveBuffers;
  const shapeW = [5, 7]; // 35 entries: SIMD body and scalar tail
  const w0 = uniformArray(rand, 35, -1, 1);
  const b0 = uniformArray(rand, 5, -1, 1);
  const W = makeParam(e, "fc.weight", shapeW, w0), b = makeParam(e, "fc.bias", [5], b0, "bias");
  const Wr = makeParam(e, "ref.weight", shapeW, w0), br = makeParam(e, "ref.bias", [5], b0, "bias");
  const masks = onesMasks(e, [W]);
  const m = Uint8Array.from({ length: 35 }, () => (rand() < 0.4 ? 0 : 1));
  e.u8(masks.get(W)!, 35).set(m);
  const opt = new MaskedSgd(e, [W, b], masks, SGD);
  const ref = new Sgd(e, [Wr, br], SGD);
  try {
    for (let t = 0; t < 8; t++) {
      // A pruned entry's gradient cannot leak in, even NaN (the reference then holds NaN there; kept entries are elementwise).
      const gw = uniformArray(rand, 35, -3, 3), gb = uniformArray(rand, 5, -3, 3);
      if (t === 3) gw[m.indexOf(0)] = NaN;
      W.grad.set(gw); Wr.grad.set(gw); b.grad.set(gb); br.grad.set(gb);
      opt.step(0.1, t);
      ref.step(0.1, t);
      const wv = W.value.toArray(), rv = Wr.value.toArray();
      const buf = (opt as unknown as { masked: { buf: number }[] }).masked[0].buf;
      const bufv = e.f32(buf, 35).slice();
      for (let i = 0; i < 35; i++) {
        if (!m[i]) {
          assert.equal(f32bits(wv[i]), 0, `step ${t}: masked w[${i}] = ${wv[i]} (bits ${f32bits(wv[i]).toString(16)})`);
          assert.equal(f32bits(bufv[i]), 0, `step ${t}: masked momentum[${i}] = ${bufv[i]}`);
        } else {
          assert.equal(f32bits(wv[i]), f32bits(rv[i]), `step ${t}: kept w[${i}] ${wv[i]} vs SGD ${rv[i]}`);
        }
      }
      assert.deepEqual(Array.from(b.value.toArray(), f32bits), Array.from(br.value.toArray(), f32bits), `step ${t}: biases train like SGD`);
    }
    const kept = W.value.toArray().filter((_, i) => m[i]);
    assert.ok(kept.every((x, j) => x !== w0.filter((_, i) => m[i])[j]), "kept weights moved");
  } finally {
    opt.free();
    ref.free();
    freeMasks(e, masks);
    for (const p of [W, b, Wr, br]) freeParam(p);
  }
  assert.equal(e.liveBuffers, start);
});

test("masks survive an iteration's training: after each iteration's epoch every weight pruned so far is +0 (lottery and SAP, global)", async () => {
  const e = await engine();
  for (const method of ["lottery", "sap"] as const) {
    let prevMask: Uint8Array[] | null = null;
    let checked = 0;
    await sessionRun(e, pruneConfig({ method, epochs: 1 }), TRAIN, TEST, iterOpts({ method, iterations: 3 }), (s) => ({
      hooks: {
        onEpoch: (ev) => {
          const ws = weightIdx(s).map((i) => s.model.params()[i].value.toArray());
          if (prevMask) {
            for (const [k, w] of ws.entries()) {
              for (let j = 0; j < w.length; j++) if (!prevMask[k][j] && f32bits(w[j]) !== 0) assert.fail(`${method}, iteration ${ev.iteration}: pruned ${WEIGHTS[k]}[${j}] = ${w[j]} after training`);
            }
            checked++;
          }
          // Kept weights trained (not stuck at zero).
          assert.ok(ws.every((w, k) => w.some((x, j) => (!prevMask || prevMask[k][j]) && x !== 0)));
        },
        onIteration: () => { prevMask = weightIdx(s).map((i) => nonzeroMask(s.model.params()[i].value.toArray())); },
      },
    }), (_s, reports) => assert.equal(reports.length, 3));
    assert.equal(checked, 2, `${method}: iterations 2 and 3 checked`);
  }
});

// ------------------------------------------------------------ rewinding

/**
 * At the start of every iteration's training (the shuffle, after the rewind,
 * before the first forward pass), checks the weights against w_init ⊙ m_t:
 * kept entries carry the initial bits, pruned entries are +0, biases the
 * initial bits. m_t = the zeros after the previous iteration's pruning.
 */
async function rewindCheck(e: Engine, method: "sap" | "lottery", stableParams: boolean): Promise<string[]> {
  const problems: string[] = [];
  let init: Float32Array[] = [];
  let mask: Uint8Array[] | null = null;
  let t = 0;
  await sessionRun(e, pruneConfig({ method, epochs: 1 }), TRAIN, TEST, iterOpts({ method, iterations: 3 }), (s) => ({
    stableParams,
    onShuffle: () => {
      t++;
      const now = snapshot(s.model.params());
      let wrongKept = 0, wrongPruned = 0, wrongBias = 0;
      for (const [i, p] of s.model.params().entries()) {
        const k = weightIdx(s).indexOf(i);
        for (let j = 0; j < now[i].length; j++) {
          const pruned = k >= 0 && mask !== null && !mask[k][j];
          if (pruned) { if (f32bits(now[i][j]) !== 0) wrongPruned++; }
          else if (f32bits(now[i][j]) !== f32bits(init[i][j])) { if (p.kind === "bias") wrongBias++; else wrongKept++; }
        }
      }
      if (wrongKept || wrongPruned || wrongBias) problems.push(`iteration ${t}: ${wrongPruned} pruned weights not +0, ${wrongKept} kept weights ≠ w_init, ${wrongBias} biases ≠ initial`);
    },
    hooks: { onIteration: () => { mask = weightIdx(s).map((i) => nonzeroMask(s.model.params()[i].value.toArray())); } },
  }), (_s, reports) => {
    assert.equal(t, 3, "one training start per iteration");
    assert.equal(reports.length, 3);
  }, (s) => { init = snapshot(s.model.params()); });
  return problems;
}

// BUG (src/prune/iterative.ts:122-125 with src/prune/run.ts:257): the rewind
// looks each parameter's mask up with masks.get(p) for p in s.model.params(), but
// the masks are keyed by the Param objects of `prunable`, which runIterativePrune
// built from a *separate* session.model.params() call — and Linear.params()
// (src/nn/linear.ts:39) returns fresh objects on every call. The lookup always
// misses, so iteration t starts from the dense w_init instead of w_init ⊙ m_t:
// at the start of iteration 2 of lottery, all 27136 pruned weights hold their
// initial values (expected +0); the first batch's forward/backward runs on
// the dense network, and only the first masked step zeroes them.
test("rewinding, as runIterativePrune calls it: iteration t starts from w_init ⊙ m_t bit for bit (pruned +0, biases initial)", async () => {
  const e = await engine();
  for (const method of ["lottery", "sap"] as const) {
    const problems = await rewindCheck(e, method, false);
    assert.deepEqual(problems, [], `${method}:\n${problems.join("\n")}`);
  }
});

test("rewinding logic with stable Param identities: iteration t starts from w_init ⊙ m_t bit for bit (pruned +0, biases initial)", async () => {
  const e = await engine();
  for (const method of ["lottery", "sap"] as const) {
    const problems = await rewindCheck(e, method, true);
    assert.deepEqual(problems, [], `${method}:\n${problems.join("\n")}`);
  }
});

// BUG (same root cause, src/prune/iterative.ts:135 → src/optim/masked-sgd.ts:21):
// MaskedSgd is built with params = s.model.params() and masks keyed by the other
// Param objects, so `params.filter((p) => !masks.has(p))` keeps every weight
// tensor in the plain-SGD set: each weight tensor gets a dense SGD step (own
// momentum buffer) *and* a masked step per batch — twice the learning rate and
// pruned weights that move (until the masked step zeroes them). With all-ones
// masks (iteration 1), training must equal plain SGD bit for bit; it does not.
test("iteration 1 (all-ones masks) trains exactly like dense SGD on the same shuffle (runIterativePrune, lottery)", async () => {
  const e = await engine();
  const c = pruneConfig({ method: "lottery", epochs: 1, iterations: 1 });
  const run = await runIterativePrune(e, c, TRAIN, TEST);
  const got = snapshot(run.model.params());
  run.dispose();
  const s = createSession(e, c, TRAIN, TEST);
  try {
    await train(e, s.model, s.trainData, s.testData, s.schedule, s.sgd, { epochs: 1, labelSmoothing: 0, shuffleSeed: (c.seed * 1000003 + 0) >>> 0, evalEveryEpoch: false });
    const want = snapshot(s.model.params());
    for (const [i, p] of s.model.params().entries()) {
      let diff = 0;
      for (let j = 0; j < want[i].length; j++) if (got[i][j] !== 0 && f32bits(got[i][j]) !== f32bits(want[i][j])) diff++;
      assert.equal(diff, 0, `${p.name}: ${diff} of ${want[i].length} entries differ from dense SGD`);
    }
  } finally {
    s.dispose();
  }
});

test("with stable Param identities, iteration 1 trains exactly like dense SGD (kept weights and biases bit for bit)", async () => {
  const e = await engine();
  const c = pruneConfig({ method: "lottery", epochs: 1 });
  const got = await sessionRun(e, c, TRAIN, TEST, iterOpts({ method: "lottery", iterations: 1 }), () => ({ stableParams: true }), (s) => snapshot(s.model.params()));
  let weightZeros = 0;
  const s = createSession(e, c, TRAIN, TEST);
  try {
    await train(e, s.model, s.trainData, s.testData, s.schedule, s.sgd, { epochs: 1, labelSmoothing: 0, shuffleSeed: (c.seed * 1000003 + 0) >>> 0, evalEveryEpoch: false });
    const want = snapshot(s.model.params());
    for (const [i, p] of s.model.params().entries()) {
      let diff = 0, zeros = 0;
      for (let j = 0; j < want[i].length; j++) {
        if (got[i][j] === 0) { zeros++; continue; }
        if (f32bits(got[i][j]) !== f32bits(want[i][j])) diff++;
      }
      assert.equal(diff, 0, `${p.name}: ${diff} entries differ from dense SGD`);
      if (p.kind === "weight") weightZeros += zeros;
      else assert.equal(zeros, 0, `${p.name} dense`);
    }
    assert.equal(weightZeros, Math.floor(0.2 * TOTAL), "the model after iteration 1's pruning: ⌊P·d⌋ zeros");
  } finally {
    s.dispose();
  }
});

// ------------------------------------------------------------ scopes

test("lottery (P = 0.2) prunes where its scope says: global the globally smallest |w_t|, layer ⌊P·d_l⌋ per tensor, neuron ⌊P·d_row⌋ per output row", async () => {
  const e = await engine();
  for (const scope of ["global", "layer", "neuron"] as const) {
    const c = pruneConfig({ method: "lottery", epochs: 1, scope });
    let trained: Float32Array[] = [];
    let mask: Uint8Array[] = [];
    let t = 0;
    await sessionRun(e, c, TRAIN, TEST, iterOpts({ method: "lottery", scope, iterations: 2 }), (s) => ({
      hooks: {
        onEpoch: () => { trained = weightIdx(s).map((i) => s.model.params()[i].value.toArray()); },
        onIteration: (r) => {
          t++;
          const params = weightIdx(s).map((i) => s.model.params()[i]);
          const before = mask.length ? mask : params.map((p) => new Uint8Array(p.value.size).fill(1));
          const after = params.map((p) => nonzeroMask(p.value.toArray()));
          // Per-layer "remaining" of the report is m_t's count.
          for (const [k, p] of params.entries()) assert.equal(Math.round(r.layers[k].remaining * p.value.size), count(before[k]), `${scope}, iteration ${t}, ${p.name}: remaining`);
          // Groups of this scope: [tensor k, offset, length].
          const groups: [number, number, number][] = scope === "global" ? [] : params.flatMap((p, k) => {
            if (scope === "layer") return [[k, 0, p.value.size] as [number, number, number]];
            const rows = p.value.shape[0], cols = p.value.size / rows;
            return Array.from({ length: rows }, (_, row) => [k, row * cols, cols] as [number, number, number]);
          });
          const check = (entries: [number, number][], what: string) => {
            const keptBefore = entries.filter(([k, j]) => before[k][j]);
            const pruned = keptBefore.filter(([k, j]) => !after[k][j]);
            assert.equal(pruned.length, Math.floor(0.2 * keptBefore.length), `${scope}, iteration ${t}, ${what}: pruned ${pruned.length} of ${keptBefore.length}`);
            let maxPruned = 0, minKept = Infinity;
            for (const [k, j] of keptBefore) {
              const a = Math.abs(trained[k][j]);
              if (after[k][j]) minKept = Math.min(minKept, a); else maxPruned = Math.max(maxPruned, a);
            }
            assert.ok(maxPruned <= minKept, `${scope}, iteration ${t}, ${what}: largest pruned |w_t| ${maxPruned} > smallest kept ${minKept}`);
            return pruned.length;
          };
          let total = 0;
          if (scope === "global") total = check(params.flatMap((p, k) => Array.from({ length: p.value.size }, (_, j) => [k, j] as [number, number])), "all weights");
          else for (const [k, off, len] of groups) total += check(Array.from({ length: len }, (_, j) => [k, off + j] as [number, number]), `${params[k].name}@${off}`);
          assert.equal(r.c, total, `${scope}, iteration ${t}: c_t is the sum over groups`);
          for (const [k, m] of after.entries()) for (let j = 0; j < m.length; j++) if (m[j] && !before[k][j]) assert.fail(`${scope}: ${params[k].name}[${j}] regrew`);
          mask = after;
        },
      },
    }), (_s, reports) => {
      assert.equal(t, 2);
      if (scope === "layer") {
        // ⌊0.2·d_l⌋ per tensor: 100352 → 80282 → 64226, 32768 → 26215 → 20972, 2560 → 2048 → 1639.
        assert.deepEqual(reports.map((r) => r.c), [20070 + 6553 + 512, 16056 + 5243 + 409]);
      }
      if (scope === "global") assert.deepEqual(reports.map((r) => r.c), [27136, 21708]);
    });
  }
});

// ------------------------------------------------------------ one shot vs lottery

test("one-shot ranks on w_0 without retraining: every iteration's model is w_0 ⊙ m_{t+1}; lottery differs from iteration 2 on", async () => {
  const e = await engine();
  let w0: Float32Array[] | null = null;
  let trainings = 0;
  const oneShot = await sessionRun(e, pruneConfig({ method: "one-shot", epochs: 1 }), TRAIN, TEST, iterOpts({ method: "one-shot", iterations: 3 }), (s) => ({
    hooks: {
      onEpoch: (ev) => { trainings++; assert.equal(ev.iteration, 1, "one-shot trains in iteration 1 only"); w0 = snapshot(s.model.params()); },
      onIteration: (r) => {
        const now = snapshot(s.model.params());
        let kept = 0, maxPruned = 0, minKept = Infinity;
        for (const [i, p] of s.model.params().entries()) {
          for (let j = 0; j < now[i].length; j++) {
            const b = f32bits(now[i][j]);
            if (p.kind === "bias" || b !== 0) {
              if (b !== f32bits(w0![i][j])) assert.fail(`iteration ${r.iteration}: ${p.name}[${j}] = ${now[i][j]}, not w_0's ${w0![i][j]}`);
              if (p.kind === "weight") { kept++; minKept = Math.min(minKept, Math.abs(w0![i][j])); }
            } else maxPruned = Math.max(maxPruned, Math.abs(w0![i][j]));
          }
        }
        assert.equal(kept, keptAfter(r), `iteration ${r.iteration}: nonzero weights = kept count`);
        assert.ok(maxPruned <= minKept, `iteration ${r.iteration}: m_{t+1} keeps the largest |w_0| (${maxPruned} > ${minKept})`);
      },
    },
  }), (s, reports) => ({ reports, bytes: modelBytes(e, s.model) }));
  assert.equal(trainings, 1);
  const rs = oneShot.reports;
  assert.deepEqual(rs.map((r) => r.c), [27136, 21708, 17367]);
  // No retraining: iteration t + 1 evaluates the model iteration t left (w_0 ⊙ m_{t+1}).
  for (let t = 1; t < rs.length; t++) {
    assert.equal(rs[t].retrainedLoss, rs[t - 1].prunedLoss, `iteration ${t + 1}: retrained loss = previous pruned loss`);
    assert.equal(rs[t].retrainedAccuracy, rs[t - 1].prunedAccuracy);
  }
  const lottery = await runIter(e, pruneConfig({ method: "lottery", epochs: 1, iterations: 3 }));
  const lo = lottery.reports;
  // Iteration 1 is the same run for both (train dense, rank on w_0 = w_1).
  const strip = (r: IterationReport) => ({ ...r, seconds: 0 });
  assert.deepEqual(strip(lo[0]), strip(rs[0]), "iteration 1 identical");
  assert.deepEqual(lo.map((r) => r.c), rs.map((r) => r.c), "same ratio, same counts");
  assert.notEqual(lo[1].retrainedLoss, rs[1].retrainedLoss, "lottery retrains at iteration 2");
  assert.notEqual(lo[1].pqi, rs[1].pqi);
  assert.ok(!equalBytes(lottery.bytes, oneShot.bytes), "different final models");
  // And a different mask: some weight kept by one is pruned by the other.
  const osW = new Float32Array(oneShot.bytes.buffer.slice(0));
  const loW = new Float32Array(lottery.bytes.buffer.slice(0));
  let differ = 0;
  for (let i = 0; i < osW.length; i++) if ((osW[i] === 0) !== (loW[i] === 0)) differ++;
  assert.ok(differ > 0, "masks differ after 3 iterations");
});

// ------------------------------------------------------------ SAP (1, 2) vs (0.5, 1)

test("SAP (p 1, q 2) prunes more than SAP (0.5, 1) at iteration 1 on the same seed; r_t = d(1 − I)² from its reported PQI", async () => {
  const e = await engine();
  const a = (await runIter(e, pruneConfig({ method: "sap", epochs: 1, iterations: 1, p: 0.5, q: 1 }))).reports[0];
  const b = (await runIter(e, pruneConfig({ method: "sap", epochs: 1, iterations: 1, p: 1, q: 2 }))).reports[0];
  assert.equal(a.retrainedLoss, b.retrainedLoss, "the same training");
  assert.equal(a.gini, b.gini);
  assert.ok(b.c > a.c, `c(1, 2) = ${b.c} should exceed c(0.5, 1) = ${a.c}`);
  assert.ok(b.remainingAfter < a.remainingAfter);
  const I = b.pqi!;
  assert.ok(relErr(b.r!, TOTAL * (1 - I) ** 2) <= 1e-15, `r ${b.r} vs d(1 − I)² ${TOTAL * (1 - I) ** 2}`);
  assert.equal(b.c, sapC(TOTAL, I, 1, 2, 0, 1, 0.9));
  assert.equal(keptAfter(b), TOTAL - b.c);
  // η_r > 0 scales r by (1 + η_r)^{−q/(q−p)}: more pruning.
  const c = (await runIter(e, pruneConfig({ method: "sap", epochs: 1, iterations: 1, p: 0.5, q: 1, etaR: 0.1 }))).reports[0];
  assert.ok(relErr(c.r!, TOTAL * (1.1) ** -2 * (1 - c.pqi!)) <= 1e-15);
  assert.equal(c.c, sapC(TOTAL, c.pqi!, 0.5, 1, 0.1, 1, 0.9));
  assert.ok(c.c > a.c);
  // γ = 100 hits the cap β: c = ⌊0.9·d⌋ every iteration.
  const capped = (await runIter(e, pruneConfig({ method: "sap", epochs: 1, iterations: 2, gamma: 100 }))).reports;
  for (const r of capped) assert.equal(r.c, Math.floor(0.9 * r.d), `γ 100: c ${r.c} at d ${r.d}`);
});

// ------------------------------------------------------------ leaks

test("no leaks: live buffers and bytes return to their start after dispose, for every method and scope", async () => {
  const e = await engine();
  for (const method of ["sap", "lottery", "one-shot"] as const) {
    for (const scope of ["global", "layer", "neuron"] as const) {
      const start = { buffers: e.liveBuffers, bytes: e.liveBytes };
      const run = await runIterativePrune(e, pruneConfig({ method, scope, epochs: 1, iterations: 2 }), TRAIN, TEST);
      assert.ok(e.liveBuffers > start.buffers, `${method}/${scope}: the run holds its session`);
      assert.equal(run.iterations.length, 2);
      run.dispose();
      assert.equal(e.liveBuffers, start.buffers, `${method}/${scope}: live buffers`);
      assert.equal(e.liveBytes, start.bytes, `${method}/${scope}: live bytes`);
    }
  }
  // An aborted run frees everything too.
  const start = { buffers: e.liveBuffers, bytes: e.liveBytes };
  const ac = new AbortController();
  await assert.rejects(runIterativePrune(e, pruneConfig({ method: "sap", epochs: 1, iterations: 3 }), TRAIN, TEST, {
    signal: ac.signal, onIteration: () => ac.abort(new ShrinkError("E_ABORT", "stop")),
  }), /stop/);
  assert.equal(e.liveBuffers, start.buffers, "aborted: live buffers");
  assert.equal(e.liveBytes, start.bytes, "aborted: live bytes");
});

// ------------------------------------------------------------ validation

// The library names the config field; the CLI says the flag.
const BAD: [name: string, over: Partial<PruneConfig>, cli: string[], field: string, flag: string][] = [
  ["--p 0", { p: 0 }, ["--p", "0"], "p", "--p"],
  ["--q 0.5", { q: 0.5 }, ["--q", "0.5"], "q", "--q"],
  ["--eta-r -1", { etaR: -1 }, ["--eta-r", "-1"], "etaR", "--eta-r"],
  ["--gamma 0", { gamma: 0 }, ["--gamma", "0"], "gamma", "--gamma"],
  ["--max-ratio 1.5 (sap)", { maxRatio: 1.5 }, ["--max-ratio", "1.5"], "maxRatio", "--max-ratio"],
  ["--ratio 1 (sap does not use it)", { ratio: 1 }, ["--ratio", "1"], "ratio", "--ratio"],
  ["--iterations 0", { iterations: 0 }, ["--iterations", "0"], "iterations", "--iterations"],
  ["--target-sparsity with sap", { targetSparsity: 0.5 }, ["--target-sparsity", "0.5"], "targetSparsity", "--target-sparsity"],
];
const startsWith = (name: string) => new RegExp(`^${name.replace(/[-/]/g, "\\$&")}\\b`);

test("validation: bad iterative options throw a ShrinkError (E_ARG) naming the option, before any allocation", async () => {
  const e = await engine();
  for (const [name, over, , field] of BAD) {
    const option = startsWith(field);
    const c = pruneConfig({ method: "sap", epochs: 1, ...over });
    const isErr = (err: unknown) => {
      assert.ok(err instanceof ShrinkError, `${name}: ${String(err)}`);
      assert.equal(err.code, "E_ARG", name);
      assert.match(err.message, option, `${name}: ${err.message}`);
      return true;
    };
    assert.throws(() => validatePruneConfig(c), isErr);
    const start = e.liveBuffers;
    await assert.rejects(runIterativePrune(e, c, TRAIN, TEST), isErr);
    assert.equal(e.liveBuffers, start, `${name}: nothing leaked`);
  }
  // SAP's β only bounds sap; lottery's P only lottery/one-shot — but both are checked.
  assert.throws(() => validateIterative(iterOpts({ maxRatio: 0 })), /maxRatio: /);
  assert.throws(() => validateIterative(iterOpts({ ratio: 0 })), /ratio: /);
  assert.throws(() => validateIterative(iterOpts({ iterations: 1.5 })), /iterations: /);
  assert.throws(() => validateIterative(iterOpts({ gamma: Infinity })), /gamma: /);
  assert.throws(() => validateIterative(iterOpts({ p: 1, q: 1 })), /p\/q: /);
  // The valid edges pass: β = 1, γ tiny, η_r = 0, p = 1 with q = 2.
  validateIterative(iterOpts({ maxRatio: 1, gamma: 1e-9, etaR: 0, p: 1, q: 2, iterations: 1000 }));
});

test("validation through the CLI: shrink prune --method sap with a bad option exits 2 with one stderr line naming it", () => {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" };
  delete env.SHRINK_DATA_DIR;
  for (const [name, , cli, , flag] of BAD) {
    const option = new RegExp(`^shrink prune: ${flag}\\b`);
    const r = spawnSync(process.execPath, ["bin/shrink.js", "prune", "--method", "sap", "--data-dir", "data", "--epochs", "1", ...cli], { cwd: repoRoot(), env, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 2, `${name}: exit code (stderr ${r.stderr})`);
    const lines = r.stderr.split("\n").filter(Boolean);
    assert.equal(lines.length, 1, `${name}: one line, got:\n${r.stderr}`);
    assert.match(lines[0], /^shrink prune: /);
    assert.match(lines[0], option, `${name}: ${lines[0]}`);
    assert.equal(r.stdout, "");
  }
});

test("SAP's c_t does not lose a count to rounding: r = 640.0000000000001 on d = 800 prunes 160", async () => {
  const e = await engine();
  const { snapToInteger, sapPruneCount } = await import("../src/prune/iterative.ts");
  const r = 800 * 0.8 * (1 + 2 ** -52); // an ulp above 640, as the f64 powers of Eq. 4 can give
  assert.notEqual(r, 640);
  assert.equal(Math.floor(800 - r), 159, "the unsnapped count");
  assert.equal(sapPruneCount(800, snapToInteger(r), 1, 0.9), 160);
  assert.equal(snapToInteger(640.5), 640.5, "a real fraction is kept");
  // The wasm bound for p = 1, q = 2: r = d·(1 − I)^2; I = 1 − √0.8 gives r = 640 up to rounding.
  const I = 1 - Math.SQRT2 * Math.sqrt(0.4);
  const bound = e.k.pqi_bound(800, I, 1, 2, 0);
  assert.ok(Math.abs(bound - 640) < 1e-9, String(bound));
  assert.equal(sapPruneCount(800, snapToInteger(bound), 1, 0.9), 160);
});
