// 2-D convolution, NCHW, weight [O, C/groups, kh, kw] as torch.nn.Conv2d, so
// state_dicts interchange. Initialised like PyTorch: kaiming_uniform with
// a = √5 gives W ~ U(−1/√fan_in, 1/√fan_in), fan_in = (C/groups)·kh·kw; the
// bias (if any) has the same bound. The wasm operator (assembly/kernels/conv/)
// picks the strategy: im2col + GEMM over sample chunks, direct GEMM for 1×1,
// the direct depthwise kernel when groups = C = O. Im2col columns are kept
// from forward to backward while the model's budget allows (Workspace).
import type { Engine } from "../engine/engine.js";
import { Tensor } from "../engine/tensor.js";
import type { Rng } from "../engine/rng.js";
import type { Layer, Param } from "./layer.js";
import type { ConvPlan } from "./plan.js";
import type { Workspace } from "./workspace.js";

/** Target number of GEMM columns per im2col chunk (chosen by measurement, docs/performance.md). */
export const CONV_CHUNK_COLUMNS = 1024;

const WS_COL = 0, WS_DCOL = 1, WS_YBUF = 2, WS_WV = 3, WS_WM = 4, WS_WM2 = 5, WS_WDU = 6;

/** Tiles of 2×2 in an oh × ow map, rounded up to 4 per plane (assembly/kernels/conv/winograd_f2x3.ts). */
export function winogradTiles(oh: number, ow: number): number {
  return ((Math.ceil(oh / 2) * Math.ceil(ow / 2) + 3) >> 2) << 2;
}

/**
 * Whether a conv takes Winograd F(2×2, 3×3): 3×3, stride 1, padding 1, no
 * dilation or groups, at least WINOGRAD_MIN_CHANNELS input channels (the
 * GEMMs' depth), and a multiply saving 9·oh·ow / (16·tiles) of at least
 * WINOGRAD_MIN_SAVING (a 2×2 map saves 0.56×, a 3×3 map 1.27×, which measured 1.1× faster in cnn's last block).
 */
export const WINOGRAD_MIN_CHANNELS = 16;
export const WINOGRAD_MIN_SAVING = 1.2;
/** Target GEMM columns (tiles) per Winograd chunk (measured, docs/conv.md). */
export const WINOGRAD_CHUNK_COLUMNS = 512;
export function winogradEligible(p: ConvPlan): boolean {
  return p.kernel[0] === 3 && p.kernel[1] === 3 && p.stride[0] === 1 && p.stride[1] === 1 && p.padding[0] === 1 && p.padding[1] === 1
    && p.dilation[0] === 1 && p.dilation[1] === 1 && p.groups === 1;
}
function winogradSaving(oh: number, ow: number): number {
  return (9 * oh * ow) / (16 * winogradTiles(oh, ow));
}

export class Conv2d implements Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly plan: ConvPlan;
  readonly weight: Tensor;
  readonly gradWeight: Tensor;
  readonly bias: Tensor | null;
  readonly gradBias: Tensor | null;
  /** Samples per im2col chunk. */
  readonly chunk: number;
  readonly depthwise: boolean;
  private readonly e: Engine;
  private readonly ws: Workspace;
  private readonly geom: Tensor;
  private readonly out: Tensor;
  private readonly dx: Tensor | null;
  private readonly colFloats: number;
  private readonly keptCol: Tensor | null;
  private readonly ybufFloats: number;
  private readonly wino: { S: number; u: Tensor; v: Tensor | null; vFloats: number; mFloats: number; m2Floats: number; duFloats: number } | null = null;
  private input = 0;
  private paramList: Param[] | null = null;

  /** Winograd F(2×2, 3×3) instead of im2col + GEMM. */
  get winograd(): boolean {
    return this.wino !== null;
  }

  /**
   * o.chunkColumns, o.depthwiseKernel and o.winograd override the strategy
   * (bench/ measures the alternatives with them; models use the defaults).
   */
  constructor(e: Engine, p: ConvPlan, maxRows: number, rng: Rng, ws: Workspace, inputGrad = true,
    o: { chunkColumns?: number; depthwiseKernel?: boolean; winograd?: boolean; winogradChunkColumns?: number } = {}) {
    this.e = e;
    this.plan = p;
    this.ws = ws;
    this.name = p.name;
    const [c, h, w] = p.in;
    const [out, oh, ow] = p.out;
    const [kh, kw] = p.kernel;
    this.inFeatures = c * h * w;
    this.outFeatures = out * oh * ow;
    const fanIn = (c / p.groups) * kh * kw;
    this.weight = new Tensor(e, [out, c / p.groups, kh, kw]);
    this.gradWeight = new Tensor(e, [out, c / p.groups, kh, kw]);
    const bound = 1 / e.k.sqrt_f64(fanIn);
    rng.fillUniform(this.weight.ptr, this.weight.size, -bound, bound);
    this.bias = p.bias ? new Tensor(e, [out]) : null;
    this.gradBias = p.bias ? new Tensor(e, [out]) : null;
    if (this.bias) rng.fillUniform(this.bias.ptr, out, -bound, bound);
    this.depthwise = p.groups === c && out === c && c > 1 && (o.depthwiseKernel ?? true);
    const ohw = oh * ow;
    const winograd = !this.depthwise && winogradEligible(p)
      && (o.winograd ?? (c >= WINOGRAD_MIN_CHANNELS && winogradSaving(oh, ow) >= WINOGRAD_MIN_SAVING));
    if (winograd) {
      const tiles = winogradTiles(oh, ow), T = maxRows * tiles;
      const S = Math.max(1, Math.min(maxRows, Math.floor((o.winogradChunkColumns ?? WINOGRAD_CHUNK_COLUMNS) / tiles)));
      const vFloats = 16 * c * T;
      this.wino = {
        S, u: new Tensor(e, [16 * out * c]),
        // Keeping V (the transformed input) for the weight gradient saves a transform, as kept im2col columns do.
        v: ws.grantKeep(vFloats) ? new Tensor(e, [vFloats]) : null,
        vFloats, mFloats: 16 * out * S * tiles, m2Floats: inputGrad ? 16 * c * S * tiles : 0, duFloats: 16 * out * c,
      };
    }
    this.chunk = Math.max(1, Math.min(maxRows, Math.floor((o.chunkColumns ?? CONV_CHUNK_COLUMNS) / ohw)));
    const direct = kh === 1 && kw === 1 && p.stride[0] === 1 && p.stride[1] === 1 && p.padding[0] === 0 && p.padding[1] === 0 && this.chunk === 1;
    this.colFloats = this.depthwise || direct || winograd ? 0 : c * kh * kw * this.chunk * ohw;
    // Keeping every chunk's columns for backward saves one im2col per step.
    const keepFloats = c * kh * kw * maxRows * ohw;
    this.keptCol = this.colFloats > 0 && ws.grantKeep(keepFloats) ? new Tensor(e, [keepFloats]) : null;
    this.ybufFloats = this.depthwise || winograd || this.chunk === 1 ? 0 : out * this.chunk * ohw;
    this.geom = new Tensor(e, [17], "i32").set([
      c, h, w, out, kh, kw, p.stride[0], p.stride[1], p.padding[0], p.padding[1], p.dilation[0], p.dilation[1], p.groups, oh, ow, this.chunk, this.keptCol ? 1 : 0,
    ]);
    this.out = new Tensor(e, [maxRows, this.outFeatures]);
    this.dx = inputGrad ? new Tensor(e, [maxRows, this.inFeatures]) : null;
    if (!this.keptCol) ws.reserve(WS_COL, this.colFloats);
    ws.reserve(WS_YBUF, this.ybufFloats);
    if (inputGrad) ws.reserve(WS_DCOL, this.colFloats);
    if (this.wino) {
      if (!this.wino.v) ws.reserve(WS_WV, this.wino.vFloats);
      ws.reserve(WS_WM, this.wino.mFloats);
      ws.reserve(WS_WM2, this.wino.m2Floats);
      ws.reserve(WS_WDU, this.wino.duFloats);
    }
  }

  params(): Param[] {
    this.paramList ??= [
      { name: `${this.name}.weight`, value: this.weight, grad: this.gradWeight, kind: "weight" },
      ...(this.bias && this.gradBias ? [{ name: `${this.name}.bias`, value: this.bias, grad: this.gradBias, kind: "bias" as const }] : []),
    ];
    return this.paramList;
  }

  forward(x: number, rows: number): number {
    const k = this.e.k;
    this.input = x;
    if (this.depthwise) {
      const p = this.plan;
      k.dwconv_forward(x, this.weight.ptr, rows, p.in[0], p.in[1], p.in[2], p.kernel[0], p.kernel[1], p.stride[0], p.stride[1],
        p.padding[0], p.padding[1], p.dilation[0], p.dilation[1], p.out[1], p.out[2], this.out.ptr);
    } else if (this.wino) {
      const w = this.wino, [c, h, wd] = this.plan.in;
      k.winograd_forward(x, rows, c, h, wd, this.plan.out[0], w.S, this.weight.ptr, w.u.ptr, this.winoV(), this.ws.get(WS_WM, w.mFloats), this.out.ptr);
    } else {
      const col = this.colPtr();
      const ybuf = this.ws.get(WS_YBUF, this.ybufFloats);
      k.conv2d_forward(this.geom.ptr, x, rows, this.weight.ptr, col, ybuf, this.out.ptr);
    }
    if (this.bias) k.channel_bias_add(this.out.ptr, this.bias.ptr, rows, this.plan.out[0], this.plan.out[1] * this.plan.out[2]);
    return this.out.ptr;
  }

  backward(dy: number, rows: number, needDx: boolean): number {
    const k = this.e.k;
    const dx = needDx && this.dx ? this.dx.ptr : 0;
    if (this.depthwise) {
      const p = this.plan;
      const a = [rows, p.in[0], p.in[1], p.in[2], p.kernel[0], p.kernel[1], p.stride[0], p.stride[1], p.padding[0], p.padding[1], p.dilation[0], p.dilation[1], p.out[1], p.out[2]] as const;
      k.dwconv_backward_weight(dy, this.input, ...a, this.gradWeight.ptr);
      if (dx) k.dwconv_backward_input(dy, this.weight.ptr, ...a, dx);
    } else if (this.wino) {
      const w = this.wino, [c, h, wd] = this.plan.in;
      k.winograd_backward(this.input, rows, c, h, wd, this.plan.out[0], w.S, w.u.ptr, this.winoV(), w.v ? 0 : 1, dy,
        this.ws.get(WS_WM, w.mFloats), dx ? this.ws.get(WS_WM2, w.m2Floats) : 0, this.ws.get(WS_WDU, w.duFloats), this.gradWeight.ptr, dx);
    } else {
      const col = this.colPtr();
      const ybuf = this.ws.get(WS_YBUF, this.ybufFloats);
      const dcol = dx ? this.ws.get(WS_DCOL, this.colFloats) : 0;
      k.conv2d_backward(this.geom.ptr, this.input, rows, this.weight.ptr, dy, col, ybuf, dcol, this.gradWeight.ptr, dx);
    }
    if (this.gradBias) k.channel_bias_grad(dy, this.gradBias.ptr, rows, this.plan.out[0], this.plan.out[1] * this.plan.out[2]);
    return dx;
  }

  private winoV(): number {
    const w = this.wino!;
    return w.v ? w.v.ptr : this.ws.get(WS_WV, w.vFloats);
  }

  private colPtr(): number {
    return this.keptCol ? this.keptCol.ptr : this.ws.get(WS_COL, this.colFloats);
  }

  free(): void {
    for (const t of [this.weight, this.gradWeight, this.bias, this.gradBias, this.geom, this.out, this.dx, this.keptCol, this.wino?.u, this.wino?.v]) t?.free();
  }
}
