// 2-D convolution, NCHW, weight [O, C/groups, kh, kw] as torch.nn.Conv2d, so
// state_dicts interchange. Initialised like PyTorch: kaiming_uniform with
// a = √5 gives W ~ U(−1/√fan_in, 1/√fan_in), fan_in = (C/groups)·kh·kw; the
// bias (if any) has the same bound. The wasm operator (assembly/kernels/conv/)
// picks the strategy: im2col + GEMM over sample chunks, direct GEMM for 1×1,
// the direct depthwise kernel when groups = C = O, direct 3×3 kernels for a
// one-channel input (conv3x3_c1.ts), Winograd for 3×3 convs with C ≥ 16.
// Im2col columns are kept from forward to backward while the model's budget
// allows (Workspace).
import type { Engine } from "../engine/engine.js";
import { Tensor } from "../engine/tensor.js";
import type { Rng } from "../engine/rng.js";
import type { Layer, Param } from "./layer.js";
import type { ConvPlan } from "./plan.js";
import type { Workspace } from "./workspace.js";

/** Target number of GEMM columns per im2col chunk (chosen by measurement, docs/performance.md). */
export const CONV_CHUNK_COLUMNS = 1024;

const WS_COL = 0, WS_DCOL = 1, WS_YBUF = 2, WS_WV = 3, WS_WM = 4, WS_WM2 = 5, WS_WDU = 6, WS_WUR = 7;

/**
 * A Winograd output tile's side: F(2×2, 3×3), F(3×3, 3×3) (3×3 maps only),
 * F(4×4, 3×3), or 43: F(4×4) with 3-wide tiles where a side is no multiple of
 * 4, the map cut exactly (14 = 4 + 4 + 3 + 3; assembly/kernels/conv/winograd_f43.ts).
 */
export type WinogradTile = 2 | 3 | 4 | 43;

/** 3-wide tiles along a side of s outputs in the 4/3 cut (the rest 4-wide), or −1 where none is exact (s = 1, 2, 5). */
export function winogradThrees(s: number): number {
  const b = (4 - (s & 3)) & 3;
  return s >= 3 * b ? b : -1;
}

// A side of s outputs in the 4/3 cut: its 4-wide and 3-wide tiles (null where it has no exact cut).
function cutSide(s: number): { fours: number; threes: number } | null {
  const threes = winogradThrees(s);
  return threes < 0 ? null : { fours: (s - 3 * threes) / 4, threes };
}

/** Products per plane of the 4/3 cut of an oh × ow map (Infinity where it has none): (6·fours + 5·threes) per side, multiplied. */
export function winogradMixedProducts(oh: number, ow: number): number {
  const side = (s: number) => {
    const c = cutSide(s);
    return c ? 6 * c.fours + 5 * c.threes : Infinity;
  };
  return side(oh) * side(ow);
}

/**
 * GEMM columns per sample for output tiles of side r in an oh × ow map: the
 * tiles rounded up to 4 per plane, except F(4×4) on one-tile maps (oh, ow ≤
 * 4) and F(3×3) (3×3 maps), where the lanes hold four samples and a sample is
 * one column (assembly/kernels/conv/winograd.ts). For the 4/3 cut (43): a
 * plane's tiles over its four classes, a sample's column in each class's
 * products per tile (lanes over samples: winograd_mixed.ts).
 */
export function winogradTiles(r: WinogradTile, oh: number, ow: number): number {
  if (r === 43) {
    const side = (s: number) => { const c = cutSide(s); return c ? c.fours + c.threes : NaN; };
    return side(oh) * side(ow);
  }
  if (r === 3 || (r === 4 && oh <= 4 && ow <= 4)) return 1;
  return ((Math.ceil(oh / r) * Math.ceil(ow / r) + 3) >> 2) << 2;
}

/**
 * The Winograd tile for an oh × ow map: F(4×4, 3×3) (36 multiplies per tile)
 * or the 4/3 cut, whichever needs fewer products, where that is at most
 * WINOGRAD_F4_RATIO of F(2×2, 3×3)'s (16 per tile), counting GEMM columns
 * (winogradTiles), else F(2×2). F(4×4) rounds about ten times worse in f32
 * (docs/conv.md), so a small saving does not buy it: 14×14 maps 576 against
 * 832 (0.69; the cut 484), 7×7 144 against 256 (0.56; the cut 121), 10×10
 * 432 against 448 (0.96) but the cut 256 (0.57). Of the one-tile maps only
 * those up to 3×3, where F(2×2)'s tiles overhang (3×3: 36 against 64), take
 * F(4×4): on 4×4 maps, F(2×2) tiles
 * exactly and F(4×4), though 1.40× faster there, takes the PyTorch
 * cross-check of the 16×16 cnn past its tolerance (train logits 1.7e-4 > 1e-4).
 * A 3×3 map takes F(3×3, 3×3) instead, whose single tile fits it exactly: 25
 * products against F(4×4)'s 36 (the 28×28 cnn's last block).
 */
export const WINOGRAD_F4_RATIO = 0.8;
/**
 * The cut's transformed filters (U, and dU in backward) are 121 slabs of
 * O × C where F(4×4)'s are 36: it is taken only while they stay within this
 * many bytes a layer, so a wide conv on small maps keeps F(4×4) (ResNet-18's
 * 512-channel 7×7 convs at 224×224: 127 MB against 38).
 */
export const WINOGRAD_CUT_MAX_BYTES = 32 << 20;
/** The tile for an oh × ow map; `filters` (O·C, 0: unknown) bounds the cut's U by WINOGRAD_CUT_MAX_BYTES. */
export function winogradTile(oh: number, ow: number, filters = 0): WinogradTile {
  if (oh === 3 && ow === 3) return 3;
  if (oh <= 4 && ow <= 4) return oh <= 3 && ow <= 3 ? 4 : 2;
  // F(4×4)'s tiles overhang where a side is no multiple of 4: the exact 4/3 cut needs fewer products.
  const f4 = 36 * winogradTiles(4, oh, ow);
  const cut = 121 * 4 * filters <= WINOGRAD_CUT_MAX_BYTES ? winogradMixedProducts(oh, ow) : Infinity;
  if (Math.min(f4, cut) > WINOGRAD_F4_RATIO * 16 * winogradTiles(2, oh, ow)) return 2;
  return cut < 36 * Math.ceil(oh / 4) * Math.ceil(ow / 4) ? 43 : 4;
}

/**
 * Whether a conv takes Winograd: 3×3, stride 1, padding 1, no dilation or
 * groups, at least WINOGRAD_MIN_CHANNELS input channels (the GEMMs' depth),
 * and a multiply saving 9·oh·ow / (X·tiles) of at least WINOGRAD_MIN_SAVING
 * (with F(2×2) a 2×2 map saves 0.56×, a 3×3 map 1.27×, which measured 1.1×
 * faster in cnn's last block).
 */
export const WINOGRAD_MIN_CHANNELS = 16;
export const WINOGRAD_MIN_SAVING = 1.2;
/** Target GEMM columns (tiles) per Winograd chunk (measured, docs/conv.md). */
export const WINOGRAD_CHUNK_COLUMNS = 512;
export function winogradEligible(p: ConvPlan): boolean {
  return p.kernel[0] === 3 && p.kernel[1] === 3 && p.stride[0] === 1 && p.stride[1] === 1 && p.padding[0] === 1 && p.padding[1] === 1
    && p.dilation[0] === 1 && p.dilation[1] === 1 && p.groups === 1;
}
function winogradSaving(r: WinogradTile, oh: number, ow: number): number {
  return (9 * oh * ow) / (r === 43 ? winogradMixedProducts(oh, ow) : (r + 2) * (r + 2) * winogradTiles(r, oh, ow));
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
  private readonly wino: { r: WinogradTile; S: number; u: Tensor; v: Tensor | null; vFloats: number; mFloats: number; m2Floats: number; duFloats: number; urFloats: number } | null = null;
  private input = 0;
  private paramList: Param[] | null = null;

  /** Winograd instead of im2col + GEMM. */
  get winograd(): boolean {
    return this.wino !== null;
  }

  /** The Winograd output tile's side (2, 3 or 4; 43 the 4/3 cut), 0 without Winograd. */
  get winogradTile(): number {
    return this.wino?.r ?? 0;
  }

  /**
   * o.chunkColumns, o.depthwiseKernel, o.winograd and o.winogradTile override
   * the strategy (bench/ measures the alternatives with them; models use the
   * defaults).
   */
  constructor(e: Engine, p: ConvPlan, maxRows: number, rng: Rng, ws: Workspace, inputGrad = true,
    o: { chunkColumns?: number; depthwiseKernel?: boolean; winograd?: boolean; winogradTile?: WinogradTile; winogradChunkColumns?: number } = {}) {
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
    const r = o.winogradTile ?? winogradTile(oh, ow, out * c), X = (r + 2) * (r + 2);
    if (r === 3 && (oh !== 3 || ow !== 3)) throw new Error(`conv ${p.name}: winogradTile 3 needs a 3×3 output map, got ${oh}×${ow}`);
    if (r === 43 && winogradMixedProducts(oh, ow) === Infinity) throw new Error(`conv ${p.name}: winogradTile 43 needs sides cut exactly into 4s and 3s (not 1, 2 or 5), got ${oh}×${ow}`);
    // Naming a tile asks for Winograd as o.winograd does.
    const forced = o.winograd ?? (o.winogradTile !== undefined ? true : undefined);
    const winograd = !this.depthwise && winogradEligible(p)
      && (forced ?? (c >= WINOGRAD_MIN_CHANNELS && winogradSaving(r, oh, ow) >= WINOGRAD_MIN_SAVING));
    if (winograd) {
      const tiles = winogradTiles(r, oh, ow), cols = (samples: number) => Math.ceil((samples * tiles) / 4) * 4, T = cols(maxRows);
      let S = Math.max(1, Math.min(maxRows, Math.floor((o.winogradChunkColumns ?? WINOGRAD_CHUNK_COLUMNS) / tiles)));
      // A chunk must start on a group of 4 lanes: by sample, S a multiple of 4.
      if ((tiles === 1 || r === 43) && S < maxRows) S = Math.max(4, S & ~3);
      // X slabs, each a cache line longer than its rows × columns (winograd_layout.ts);
      // the 4/3 cut's four classes of tiles as the kernel lays them out.
      const slabs = (rows: number, columns: number) => X * (rows * columns + 16);
      const mixed = (which: number) => e.k.winograd_mixed_floats(which, maxRows, S, c, oh, ow, out);
      const vFloats = r === 43 ? mixed(1) : slabs(c, T);
      const uFloats = r === 43 ? mixed(0) : slabs(out, c);
      this.wino = {
        r, S, u: new Tensor(e, [uFloats]),
        // Keeping V (the transformed input) for the weight gradient saves a transform, as kept im2col columns do.
        v: ws.grantKeep(vFloats) ? new Tensor(e, [vFloats]) : null,
        vFloats, mFloats: r === 43 ? mixed(2) : slabs(out, cols(S)), m2Floats: !inputGrad ? 0 : r === 43 ? mixed(3) : slabs(c, cols(S)), duFloats: uFloats,
        // The rotated filters' transform: only F(4×4) on one-tile maps (the others take the adjoint, winograd.ts).
        urFloats: inputGrad && r === 4 && tiles === 1 ? slabs(out, c) : 0,
      };
    }
    this.chunk = Math.max(1, Math.min(maxRows, Math.floor((o.chunkColumns ?? CONV_CHUNK_COLUMNS) / ohw)));
    const geom = [c, h, w, out, kh, kw, p.stride[0], p.stride[1], p.padding[0], p.padding[1], p.dilation[0], p.dilation[1], p.groups, oh, ow, this.chunk];
    this.geom = new Tensor(e, [17], "i32").set([...geom, 0]);
    // 1×1 stride-1 unpadded one-sample chunks multiply the input in place; the direct one-channel 3×3 kernels read it padded.
    const direct = (kh === 1 && kw === 1 && p.stride[0] === 1 && p.stride[1] === 1 && p.padding[0] === 0 && p.padding[1] === 0 && this.chunk === 1)
      || (!this.depthwise && !winograd && e.k.conv3x3_c1_fits(this.geom.ptr) !== 0);
    this.colFloats = this.depthwise || direct || winograd ? 0 : c * kh * kw * this.chunk * ohw;
    // Keeping every chunk's columns for backward saves one im2col per step.
    const keepFloats = c * kh * kw * maxRows * ohw;
    this.keptCol = this.colFloats > 0 && ws.grantKeep(keepFloats) ? new Tensor(e, [keepFloats]) : null;
    this.ybufFloats = this.depthwise || direct || winograd || this.chunk === 1 ? 0 : out * this.chunk * ohw;
    if (this.keptCol) this.geom.set([...geom, 1]);
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
      ws.reserve(WS_WUR, this.wino.urFloats);
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
      k.winograd_forward(x, rows, c, h, wd, this.plan.out[0], w.r, w.S, this.weight.ptr, w.u.ptr, this.winoV(), this.ws.get(WS_WM, w.mFloats), this.out.ptr);
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
      const ur = dx && w.urFloats > 0 ? this.ws.get(WS_WUR, w.urFloats) : 0;
      k.winograd_backward(this.input, rows, c, h, wd, this.plan.out[0], w.r, w.S, this.weight.ptr, w.u.ptr, ur, this.winoV(), w.v ? 0 : 1, dy,
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
