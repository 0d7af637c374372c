// Multi-step LIF and IF neurons (LATS Appendix G, Eq. 44, in SpikingJelly's
// discrete form with decay_input = true), over T timesteps laid out [T, n]:
// element i of step t at (t·n + i). Each element's time series is independent,
// so the loops run element-outer, time-inner and carry V in a register.
//
//   charge (LIF):  H[t] = V[t−1] + (X[t] − (V[t−1] − V_reset)) / τ
//   charge (IF):   H[t] = V[t−1] + X[t]
//   fire:          S[t] = Θ(H[t] − V_th)                  (Θ(x) = x ≥ 0)
//   hard reset:    V[t] = (1 − S[t])·H[t] + S[t]·V_reset
//   soft reset:    V[t] = H[t] − S[t]·V_th                 (V_reset = 0 in the charge)
//   V[−1] = V_reset (hard) or 0 (soft).
//
// Backward through time (BPTT), σ' the surrogate of Θ (surrogate.ts):
//   ∂L/∂S[t]_total = ∂L/∂S[t] + ∂L/∂V[t]·∂V[t]/∂S[t]      (the reset term; 0 when detach_reset)
//   ∂L/∂H[t] = ∂L/∂S[t]_total·σ'(H[t] − V_th) + ∂L/∂V[t]·∂V[t]/∂H[t]|_S
//   ∂L/∂X[t] = ∂L/∂H[t] / τ (LIF) or ∂L/∂H[t] (IF)
//   ∂L/∂V[t−1] = ∂L/∂H[t] − ∂L/∂H[t]/τ (LIF) or ∂L/∂H[t] (IF)
// The backward pass needs only H (S is recomputed from it by the same
// comparison), so the forward pass may write H over its input.
import { surrogate_at, surrogate_x4 } from "./surrogate";

/** flags: bit 0 leaky (LIF; else IF), bit 1 hard reset (else soft), bit 2 detach_reset. */
export const NEURON_LIF: i32 = 1;
export const NEURON_HARD: i32 = 2;
export const NEURON_DETACH: i32 = 4;

/**
 * Runs the neuron over T steps of n elements: reads X at x, writes the
 * membrane before firing H at h (h == x allowed) and the spikes (0 or 1) at s.
 */
export function neuron_forward(x: usize, h: usize, s: usize, n: i32, T: i32, flags: i32, tau: f32, vth: f32, vreset: f32): void {
  if (n <= 0 || T <= 0) return;
  const lif = (flags & NEURON_LIF) != 0, hard = (flags & NEURON_HARD) != 0;
  const vr: f32 = hard ? vreset : 0;
  const stride = <usize>n << 2;
  const n4 = <usize>(n & ~3) << 2, nb = <usize>n << 2;
  const one = f32x4.splat(1), vthv = f32x4.splat(vth), vrv = f32x4.splat(vr), tauv = f32x4.splat(tau);
  let o: usize = 0;
  for (; o < n4; o += 16) {
    let v = vrv;
    for (let t = 0, p = o; t < T; t++, p += stride) {
      const xv = v128.load(x + p);
      const hv = lif ? f32x4.add(v, f32x4.div(f32x4.sub(xv, f32x4.sub(v, vrv)), tauv)) : f32x4.add(v, xv);
      const sv = v128.and(f32x4.ge(hv, vthv), one);
      v128.store(h + p, hv);
      v128.store(s + p, sv);
      v = hard ? f32x4.add(f32x4.mul(f32x4.sub(one, sv), hv), f32x4.mul(sv, vrv)) : f32x4.sub(hv, f32x4.mul(sv, vthv));
    }
  }
  for (; o < nb; o += 4) {
    let v = vr;
    for (let t = 0, p = o; t < T; t++, p += stride) {
      const xs = load<f32>(x + p);
      const hs: f32 = lif ? v + (xs - (v - vr)) / tau : v + xs;
      const ss: f32 = hs >= vth ? 1 : 0;
      store<f32>(h + p, hs);
      store<f32>(s + p, ss);
      v = hard ? (<f32>1 - ss) * hs + ss * vr : hs - ss * vth;
    }
  }
}

/**
 * BPTT through the neuron: given H (from neuron_forward) and dL/dS at dy,
 * writes dL/dX at dx (dx == dy allowed: step t reads dy[t] before writing dx[t]).
 * surrogate: 0 ATan, 1 sigmoid, with its α.
 */
export function neuron_backward(h: usize, dy: usize, dx: usize, n: i32, T: i32, flags: i32, tau: f32, vth: f32, vreset: f32, surrogate: i32, alpha: f32): void {
  if (n <= 0 || T <= 0) return;
  const lif = (flags & NEURON_LIF) != 0, hard = (flags & NEURON_HARD) != 0, detach = (flags & NEURON_DETACH) != 0;
  const vr: f32 = hard ? vreset : 0;
  const halfAlpha = <f32>(<f64>alpha / 2), piHalfAlpha = <f32>(Math.PI / 2 * <f64>alpha);
  const stride = <usize>n << 2;
  const last = <usize>(T - 1) * stride;
  const n4 = <usize>(n & ~3) << 2, nb = <usize>n << 2;
  const one = f32x4.splat(1), zero = f32x4.splat(0), vthv = f32x4.splat(vth), vrv = f32x4.splat(vr), tauv = f32x4.splat(tau);
  let o: usize = 0;
  for (; o < n4; o += 16) {
    let gv = zero;
    for (let t = T - 1, p = o + last; t >= 0; t--, p -= stride) {
      const hv = v128.load(h + p);
      const sv = v128.and(f32x4.ge(hv, vthv), one);
      const sg = surrogate_x4(f32x4.sub(hv, vthv), surrogate, alpha, halfAlpha, piHalfAlpha);
      let gs = v128.load(dy + p);
      if (!detach) gs = f32x4.add(gs, hard ? f32x4.mul(gv, f32x4.sub(vrv, hv)) : f32x4.neg(f32x4.mul(gv, vthv)));
      const gh = f32x4.add(f32x4.mul(gs, sg), hard ? f32x4.mul(gv, f32x4.sub(one, sv)) : gv);
      if (lif) {
        const gx = f32x4.div(gh, tauv);
        v128.store(dx + p, gx);
        gv = f32x4.sub(gh, gx);
      } else {
        v128.store(dx + p, gh);
        gv = gh;
      }
    }
  }
  for (; o < nb; o += 4) {
    let gv: f32 = 0;
    for (let t = T - 1, p = o + last; t >= 0; t--, p -= stride) {
      const hs = load<f32>(h + p);
      const ss: f32 = hs >= vth ? 1 : 0;
      const sg = surrogate_at(hs - vth, surrogate, alpha, halfAlpha, piHalfAlpha);
      let gs = load<f32>(dy + p);
      if (!detach) gs = gs + (hard ? gv * (vr - hs) : -(gv * vth));
      const gh = gs * sg + (hard ? gv * (<f32>1 - ss) : gv);
      if (lif) {
        const gx = gh / tau;
        store<f32>(dx + p, gx);
        gv = gh - gx;
      } else {
        store<f32>(dx + p, gh);
        gv = gh;
      }
    }
  }
}
