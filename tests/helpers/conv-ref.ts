// Naive float64 references for convolution and pooling (NCHW, PyTorch
// semantics), written from the definitions with plain loops.
import type { ConvPlan } from "../../src/nn/plan.ts";

/** y[s,o,oy,ox] = Σ_{ci,ki,kj} w[o,ci,ki,kj]·x[s, g·Cg+ci, oy·sh−ph+ki·dh, ox·sw−pw+kj·dw] (+ b[o]). */
export function convRef(p: ConvPlan, n: number, x: ArrayLike<number>, w: ArrayLike<number>, b?: ArrayLike<number>): Float64Array {
  const [c, h, wd] = p.in, [o, oh, ow] = p.out, [kh, kw] = p.kernel;
  const cg = c / p.groups, og = o / p.groups;
  const y = new Float64Array(n * o * oh * ow);
  for (let s = 0; s < n; s++) for (let oc = 0; oc < o; oc++) {
    const g = Math.floor(oc / og);
    for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
      let acc = b ? b[oc] : 0;
      for (let ci = 0; ci < cg; ci++) for (let ki = 0; ki < kh; ki++) for (let kj = 0; kj < kw; kj++) {
        const iy = oy * p.stride[0] - p.padding[0] + ki * p.dilation[0];
        const ix = ox * p.stride[1] - p.padding[1] + kj * p.dilation[1];
        if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
        acc += w[((oc * cg + ci) * kh + ki) * kw + kj] * x[((s * c + g * cg + ci) * h + iy) * wd + ix];
      }
      y[((s * o + oc) * oh + oy) * ow + ox] = acc;
    }
  }
  return y;
}

/** dL/dw and dL/dx of convRef for upstream gradient G (the adjoint, same loops). */
export function convGradRef(p: ConvPlan, n: number, x: ArrayLike<number>, w: ArrayLike<number>, G: ArrayLike<number>): { dw: Float64Array; dx: Float64Array } {
  const [c, h, wd] = p.in, [o, oh, ow] = p.out, [kh, kw] = p.kernel;
  const cg = c / p.groups, og = o / p.groups;
  const dw = new Float64Array(o * cg * kh * kw), dx = new Float64Array(n * c * h * wd);
  for (let s = 0; s < n; s++) for (let oc = 0; oc < o; oc++) {
    const g = Math.floor(oc / og);
    for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
      const gy = G[((s * o + oc) * oh + oy) * ow + ox];
      for (let ci = 0; ci < cg; ci++) for (let ki = 0; ki < kh; ki++) for (let kj = 0; kj < kw; kj++) {
        const iy = oy * p.stride[0] - p.padding[0] + ki * p.dilation[0];
        const ix = ox * p.stride[1] - p.padding[1] + kj * p.dilation[1];
        if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
        const wi = ((oc * cg + ci) * kh + ki) * kw + kj, xi = ((s * c + g * cg + ci) * h + iy) * wd + ix;
        dw[wi] += gy * x[xi];
        dx[xi] += gy * w[wi];
      }
    }
  }
  return { dw, dx };
}

/** A conv plan from explicit (possibly non-square) geometry. */
export function convPlanOf(name: string, inShape: [number, number, number], out: number, k: [number, number], o: { stride?: [number, number]; padding?: [number, number]; dilation?: [number, number]; groups?: number; bias?: boolean } = {}): ConvPlan {
  const stride = o.stride ?? [1, 1], padding = o.padding ?? [0, 0], dilation = o.dilation ?? [1, 1];
  const len = (n: number, kk: number, s: number, pd: number, d: number) => Math.floor((n + 2 * pd - d * (kk - 1) - 1) / s) + 1;
  return {
    op: "conv", name, in: inShape,
    out: [out, len(inShape[1], k[0], stride[0], padding[0], dilation[0]), len(inShape[2], k[1], stride[1], padding[1], dilation[1])],
    kernel: k, stride, padding, dilation, groups: o.groups ?? 1, bias: o.bias ?? false,
  };
}
