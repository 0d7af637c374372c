// GPO (LATS Table 1, Appendix C.2): w = (1 − k)·S_d(θ) + k·θ, k = 1e-6·|β|,
// β from 1e6 decaying under λ_β so that k falls back to STR's k = 0 within
// GPO_FALLBACK_EPOCHS (at most half the run). Checks the k trajectory against
// its closed form, that k reaches exactly 0, and that GPO then prunes as STR does.
import test from "node:test";
import assert from "node:assert/strict";
import { engine } from "./helpers/engine.ts";
import { TRAIN, TEST, pruneConfig, lrFor } from "./helpers/prune.ts";
import { runPrune } from "../src/prune/run.ts";
import { gpoDecay, GPO_K_MIN } from "../src/prune/soft-threshold.ts";

test("gpo: k decays as Π(1 − η_t·λ_β) (the gradient term is 1e-6-small), hits exactly 0 by half the run, and GPO prunes at least half as much as STR", async () => {
  const e = await engine();
  const c = pruneConfig({ epochs: 6 });
  const lr = lrFor(c);
  const lam = gpoDecay(e, lr);
  // λ_β·Σ_{t<T_f} η_t = ln(1/K_MIN), T_f = 3 epochs here (half of 6).
  let sum = 0;
  for (let t = 0; t < 3 * lr.spec.stepsPerEpoch; t++) sum += lr.at(t);
  assert.ok(Math.abs(lam * sum - Math.log(1 / GPO_K_MIN)) < 1e-9, `λ_β·Σ η = ${lam * sum}`);
  const ks: number[][] = [];
  const gpo = await runPrune(e, { ...c, method: "gpo" }, TRAIN, TEST, { onEpoch: (_, st) => { ks.push(Object.values(st.gpoK!)); } });
  const str = await runPrune(e, { ...c, method: "str" }, TRAIN, TEST);
  try {
    // After epoch 1: k ≈ Π_{t<B}(1 − η_t λ_β) ≈ exp(−λ_β Σ η) within the gradient's 1e-6 share.
    let prod = 1;
    for (let t = 0; t < lr.spec.stepsPerEpoch; t++) prod *= 1 - lr.at(t) * lam;
    for (const k of ks[0]) assert.ok(Math.abs(k - prod) < 1e-3 * prod, `k after epoch 1 = ${k}, Π = ${prod}`);
    assert.ok(ks[0][0] < 1 && ks[0][0] > GPO_K_MIN);
    assert.deepEqual(ks[2], ks[2].map(() => 0), "k is exactly 0 by the end of epoch 3 (half the run)");
    assert.ok(gpo.sparsity > 0, `gpo sparsity ${gpo.sparsity}`);
    assert.ok(gpo.sparsity >= 0.5 * str.sparsity, `gpo ${gpo.sparsity} vs str ${str.sparsity}`);
  } finally {
    gpo.dispose();
    str.dispose();
  }
});
