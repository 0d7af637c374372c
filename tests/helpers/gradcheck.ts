// Central-difference gradient checks shared by the layer test suites. The loss
// is taken in f64; the step is (θ₊ − θ₋) of the f32 values actually stored, so
// only the f32 rounding of the forward pass adds noise.
import assert from "node:assert/strict";

/** Relative tolerance and absolute floor of every gradient comparison below. */
export const RTOL = 1e-2;

export interface GradResult {
  checked: number;
  skipped: number;
  maxAbsErr: number;
  maxRelErr: number;
}

/**
 * Compares analytic[i] with the central difference of `loss` in coordinate i of
 * the f32 buffer `view()` for every i in `coords`. `skip(i)` may veto a
 * coordinate after the fact (e.g. when the perturbation crossed a ReLU kink).
 */
export function gradCheck(
  what: string,
  view: () => Float32Array,
  analytic: Float32Array,
  loss: () => number,
  eps: number,
  atol: number,
  coords: Iterable<number> = analytic.keys(),
  skip?: () => boolean,
  limit = Infinity,
): GradResult {
  let checked = 0, skipped = 0, maxAbsErr = 0, maxRelErr = 0;
  for (const i of coords) {
    if (checked >= limit) break;
    const orig = view()[i];
    view()[i] = orig + eps;
    const hp = view()[i];
    const lp = loss();
    const skipP = skip?.() ?? false;
    view()[i] = orig - eps;
    const hm = view()[i];
    const lm = loss();
    const skipM = skip?.() ?? false;
    view()[i] = orig;
    if (skipP || skipM) {
      skipped++;
      continue;
    }
    const num = (lp - lm) / (hp - hm);
    const ana = analytic[i];
    const err = Math.abs(num - ana);
    const scale = Math.max(Math.abs(num), Math.abs(ana));
    if (!(err <= RTOL * scale + atol)) {
      assert.fail(`${what}[${i}]: analytic ${ana}, finite difference ${num} (|diff| ${err} > ${RTOL}·${scale} + ${atol})`);
    }
    checked++;
    maxAbsErr = Math.max(maxAbsErr, err);
    if (scale > atol) maxRelErr = Math.max(maxRelErr, err / scale);
  }
  return { checked, skipped, maxAbsErr, maxRelErr };
}

