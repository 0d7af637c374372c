// The training learning rate η(t) per step (src/optim/lr-schedules.ts
// validates the spec and holds it; the value is computed here so it is the
// same bits in every runtime). Granularity: "epoch" holds the rate for an
// epoch, η(n, b) = h(n/N) (LATS Eq. 28, PyTorch's per-epoch scheduler.step());
// "step" evaluates h at t/T. Warm-up is linear per step, η(t) = η₀·(t+1)/W.
//   constant  h(x) = η₀
//   cosine    h(x) = η₀·(1 + cos πx)/2   (CosineAnnealingLR, η_min = 0; LATS Eq. 28)
//   poly      h(x) = η₀·(1 − x)^κ        (LATS Eq. 33)
//   step      h = η₀·γ^⌊e / stepSize⌋   (e = epochs since warm-up; PyTorch StepLR)

import { LR_CONSTANT, LR_COSINE, LR_POLY } from "./lr_shape";

/** h(x)/η₀ after warm-up, x ∈ [0, 1); mainEpochs = epochs after warm-up. */
export function lr_shape(kind: i32, x: f64, mainEpochs: f64, gamma: f64, stepSize: f64, power: f64): f64 {
  if (kind == LR_CONSTANT) return 1;
  // The textbook forms (not lr_shape.ts's cancellation-free ones): the rate PyTorch's schedulers give.
  if (kind == LR_COSINE) return 0.5 * (1 + Math.cos(Math.PI * x));
  if (kind == LR_POLY) return Math.pow(1 - x, power);
  // step: the 1e-9 keeps an epoch that sits on a period boundary from rounding below it
  return Math.pow(gamma, Math.floor((x * mainEpochs + 1e-9) / stepSize));
}

/**
 * η at step t of T (W warm-up steps, B steps per epoch); interval 0 = per
 * epoch, 1 = per step.
 */
export function lr_at(kind: i32, t: f64, lr: f64, W: f64, T: f64, B: f64, mainEpochs: f64, interval: i32,
  gamma: f64, stepSize: f64, power: f64): f64 {
  if (t < W) return (lr * (t + 1)) / W;
  const x = interval == 0 ? Math.floor((t - W) / B) / mainEpochs : (t - W) / (T - W);
  return lr * lr_shape(kind, x, mainEpochs, gamma, stepSize, power);
}
