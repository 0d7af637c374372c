// The ONNX messages shrinkwasm reads and writes (onnx/onnx.proto3, IR version
// 8): ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
// ValueInfoProto with its tensor type and shape, OperatorSetIdProto and
// StringStringEntryProto. Fields outside this subset are skipped on read.
// Field numbers are the .proto's; the comments name them.
import { PbReader, PbWriter, type PbField } from "../protobuf.js";

export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11, BFLOAT16: 16 } as const;
export const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** raw_data (9), little-endian; or the typed repeated fields below. */
  raw: Uint8Array | null;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  /** data_location (14) = EXTERNAL. */
  external: boolean;
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f: number;
  i: number;
  s: string;
  t: OnnxTensor | null;
  floats: number[];
  ints: number[];
}

export interface OnnxNode {
  inputs: string[];
  outputs: string[];
  name: string;
  opType: string;
  domain: string;
  attributes: OnnxAttribute[];
}

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  /** Each dimension: a number, a symbolic name, or null when unknown. */
  shape: (number | string | null)[] | null;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  hasSparseInitializers: boolean;
}

export interface OnnxModel {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph | null;
  metadata: Record<string, string>;
  /** Model-local functions (25): not supported, so their presence is reported. */
  hasFunctions: boolean;
}

function each(r: PbReader, bytes: Uint8Array, fn: (f: PbField, r: PbReader) => void): void {
  const sub = r.child(bytes);
  for (const f of sub.fields()) fn(f, sub);
}

function readTensor(r: PbReader, b: Uint8Array): OnnxTensor {
  const t: OnnxTensor = { name: "", dims: [], dataType: 0, raw: null, floatData: [], int32Data: [], int64Data: [], doubleData: [], external: false };
  each(r, b, (f, s) => {
    switch (f.field) {
      case 1: s.ints(f, t.dims); break; // dims
      case 2: t.dataType = s.int(f); break; // data_type
      case 4: s.floats(f, t.floatData); break; // float_data
      case 5: s.ints(f, t.int32Data); break; // int32_data
      case 7: s.ints(f, t.int64Data); break; // int64_data
      case 8: t.name = s.string(f); break; // name
      case 9: t.raw = s.sub(f); break; // raw_data
      case 10: { // double_data
        if (f.wire === 1) t.doubleData.push(new DataView(s.bytes.buffer, s.bytes.byteOffset + f.start, 8).getFloat64(0, true));
        else {
          const v = s.sub(f);
          if (v.length % 8) throw s.fail(`tensor ${JSON.stringify(t.name)}: packed doubles are not a multiple of 8 bytes`);
          const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
          for (let i = 0; i < v.length; i += 8) t.doubleData.push(dv.getFloat64(i, true));
        }
        break;
      }
      case 13: t.external = true; break; // external_data
      case 14: if (s.int(f) === 1) t.external = true; break; // data_location
      default: break;
    }
  });
  return t;
}

function readAttribute(r: PbReader, b: Uint8Array): OnnxAttribute {
  const a: OnnxAttribute = { name: "", type: 0, f: 0, i: 0, s: "", t: null, floats: [], ints: [] };
  each(r, b, (f, s) => {
    switch (f.field) {
      case 1: a.name = s.string(f); break;
      case 20: a.type = s.int(f); break;
      case 2: a.f = s.float32(f); break;
      case 3: a.i = s.int(f); break;
      case 4: a.s = s.string(f); break;
      case 5: a.t = readTensor(s, s.sub(f)); break;
      case 7: s.floats(f, a.floats); break;
      case 8: s.ints(f, a.ints); break;
      default: break;
    }
  });
  return a;
}

function readNode(r: PbReader, b: Uint8Array): OnnxNode {
  const n: OnnxNode = { inputs: [], outputs: [], name: "", opType: "", domain: "", attributes: [] };
  each(r, b, (f, s) => {
    switch (f.field) {
      case 1: n.inputs.push(s.string(f)); break;
      case 2: n.outputs.push(s.string(f)); break;
      case 3: n.name = s.string(f); break;
      case 4: n.opType = s.string(f); break;
      case 7: n.domain = s.string(f); break;
      case 5: n.attributes.push(readAttribute(s, s.sub(f))); break;
      default: break;
    }
  });
  return n;
}

function readValueInfo(r: PbReader, b: Uint8Array): OnnxValueInfo {
  const v: OnnxValueInfo = { name: "", elemType: 0, shape: null };
  each(r, b, (f, s) => {
    if (f.field === 1) v.name = s.string(f);
    else if (f.field === 2) {
      each(s, s.sub(f), (tf, ts) => { // TypeProto
        if (tf.field !== 1) return; // tensor_type
        each(ts, ts.sub(tf), (ef, es) => {
          if (ef.field === 1) v.elemType = es.int(ef);
          else if (ef.field === 2) {
            v.shape = [];
            each(es, es.sub(ef), (df, ds) => { // TensorShapeProto.dim
              if (df.field !== 1) return;
              let d: number | string | null = null;
              each(ds, ds.sub(df), (xf, xs) => {
                if (xf.field === 1) d = xs.int(xf);
                else if (xf.field === 2) d = xs.string(xf);
              });
              v.shape!.push(d);
            });
          }
        });
      });
    }
  });
  return v;
}

function readGraph(r: PbReader, b: Uint8Array): OnnxGraph {
  const g: OnnxGraph = { name: "", nodes: [], initializers: [], inputs: [], outputs: [], hasSparseInitializers: false };
  each(r, b, (f, s) => {
    switch (f.field) {
      case 1: g.nodes.push(readNode(s, s.sub(f))); break;
      case 2: g.name = s.string(f); break;
      case 5: g.initializers.push(readTensor(s, s.sub(f))); break;
      case 15: g.hasSparseInitializers = true; break;
      case 11: g.inputs.push(readValueInfo(s, s.sub(f))); break;
      case 12: g.outputs.push(readValueInfo(s, s.sub(f))); break;
      default: break;
    }
  });
  return g;
}

/** Decodes a ModelProto; malformed bytes give an E_ONNX error naming `source`. */
export function decodeOnnxModel(bytes: Uint8Array, source: string): OnnxModel {
  const r = new PbReader(bytes, source);
  const m: OnnxModel = { irVersion: 0, opsets: [], producerName: "", producerVersion: "", graph: null, metadata: {}, hasFunctions: false };
  for (const f of r.fields()) {
    switch (f.field) {
      case 1: m.irVersion = r.int(f); break;
      case 2: m.producerName = r.string(f); break;
      case 3: m.producerVersion = r.string(f); break;
      case 7: m.graph = readGraph(r, r.sub(f)); break;
      case 8: {
        const o = { domain: "", version: 0 };
        each(r, r.sub(f), (sf, ss) => {
          if (sf.field === 1) o.domain = ss.string(sf);
          else if (sf.field === 2) o.version = ss.int(sf);
        });
        m.opsets.push(o);
        break;
      }
      case 14: {
        let k = "", v = "";
        each(r, r.sub(f), (sf, ss) => {
          if (sf.field === 1) k = ss.string(sf);
          else if (sf.field === 2) v = ss.string(sf);
        });
        m.metadata[k] = v;
        break;
      }
      case 25: m.hasFunctions = true; break;
      default: break;
    }
  }
  return m;
}

// ---- writing ----

export interface TensorOut { name: string; dims: number[]; dataType: number; raw: Uint8Array }
export interface AttrOut { name: string; ints?: number[]; i?: number; f?: number; s?: string }
export interface NodeOut { name: string; opType: string; inputs: string[]; outputs: string[]; attributes?: AttrOut[] }
export interface ValueOut { name: string; elemType: number; shape: (number | string)[] }

function writeTensor(t: TensorOut): PbWriter {
  return new PbWriter().packedInts(1, t.dims).int(2, t.dataType).string(8, t.name).bytes(9, t.raw);
}

function writeAttr(a: AttrOut): PbWriter {
  const w = new PbWriter().string(1, a.name);
  if (a.ints) w.packedInts(8, a.ints).int(20, ATTR.INTS);
  else if (a.i !== undefined) w.int(3, a.i).int(20, ATTR.INT);
  else if (a.f !== undefined) w.float32(2, a.f).int(20, ATTR.FLOAT);
  else if (a.s !== undefined) w.string(4, a.s).int(20, ATTR.STRING);
  return w;
}

function writeValue(v: ValueOut): PbWriter {
  const shape = new PbWriter();
  for (const d of v.shape) shape.message(1, typeof d === "number" ? new PbWriter().int(1, d) : new PbWriter().string(2, d));
  const tensorType = new PbWriter().int(1, v.elemType).message(2, shape);
  return new PbWriter().string(1, v.name).message(2, new PbWriter().message(1, tensorType));
}

export function encodeOnnxModel(m: {
  opset: number; producerName: string; producerVersion: string; graphName: string;
  nodes: NodeOut[]; initializers: TensorOut[]; inputs: ValueOut[]; outputs: ValueOut[]; metadata: Record<string, string>;
}): Uint8Array {
  const g = new PbWriter();
  for (const n of m.nodes) {
    const nw = new PbWriter();
    for (const i of n.inputs) nw.string(1, i);
    for (const o of n.outputs) nw.string(2, o);
    nw.string(3, n.name).string(4, n.opType);
    for (const a of n.attributes ?? []) nw.message(5, writeAttr(a));
    g.message(1, nw);
  }
  g.string(2, m.graphName);
  for (const t of m.initializers) g.message(5, writeTensor(t));
  for (const v of m.inputs) g.message(11, writeValue(v));
  for (const v of m.outputs) g.message(12, writeValue(v));
  const w = new PbWriter().int(1, 8).string(2, m.producerName).string(3, m.producerVersion).message(7, g);
  w.message(8, new PbWriter().string(1, "").int(2, m.opset));
  for (const [k, v] of Object.entries(m.metadata)) w.message(14, new PbWriter().string(1, k).string(2, v));
  return w.finish();
}
