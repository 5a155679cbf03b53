/**
 * The ONNX protobuf schema (ModelProto …) through `onnx-proto`, the onnx.proto definitions
 * compiled with protobufjs. One place to decode/encode models and to read int64 fields, which
 * protobufjs hands out as Long objects when the `long` package is present.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { badInput } from '../shared/errors.ts';

export const onnx = onnxProto.onnx;
export type ModelProto = OnnxTypes.ModelProto;
export type IModelProto = OnnxTypes.IModelProto;
export type INodeProto = OnnxTypes.INodeProto;
export type ITensorProto = OnnxTypes.ITensorProto;
export type IValueInfoProto = OnnxTypes.IValueInfoProto;
export type IAttributeProto = OnnxTypes.IAttributeProto;

/** ONNX TensorProto.DataType.FLOAT. */
export const FLOAT = 1;

/** An int64 field as a JS number (dims, attribute ints, versions are far below 2^53). */
export function toNum(v: number | { toNumber(): number } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/**
 * Decodes the bytes of an .onnx file. protobuf decoding of arbitrary bytes can "succeed", so a
 * model must also have a graph with nodes and an opset import to count as ONNX.
 */
export function decodeModel(bytes: Uint8Array, file: string): ModelProto {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw badInput(`model file ${file} is not an ONNX model (protobuf decoding failed: ${(err as Error).message}); export it with torch.onnx.export or tf2onnx`);
  }
  if (!model.graph || !model.graph.node || model.graph.node.length === 0 || !model.opsetImport || model.opsetImport.length === 0) {
    throw badInput(`model file ${file} is not an ONNX model (no graph nodes or opset import); export it with torch.onnx.export or tf2onnx`);
  }
  return model;
}

export function encodeModel(model: IModelProto): Uint8Array {
  // encode() takes plain objects that follow the schema; no fromObject copy of large weights.
  return onnx.ModelProto.encode(model).finish();
}

/** Reads an attribute of a node (ints/floats/int/float/string), or `fallback`. */
export function attr(node: INodeProto, name: string): IAttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

export function attrInts(node: INodeProto, name: string, fallback: number[]): number[] {
  const a = attr(node, name);
  return a?.ints && a.ints.length > 0 ? a.ints.map((v) => toNum(v)) : fallback;
}

export function attrInt(node: INodeProto, name: string, fallback: number): number {
  const a = attr(node, name);
  return a && a.i !== undefined && a.i !== null ? toNum(a.i) : fallback;
}
