// The part of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto) that lstm-wasm
// reads and writes, as schemas for src/io/protobuf.ts. Field numbers are those of onnx.proto;
// fields left out here are skipped when reading and never written.
import type { Schema } from './protobuf.js';

export const TensorDataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;

export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

export const OperatorSetId: Schema = {
  name: 'OperatorSetIdProto',
  fields: { 1: { name: 'domain', type: 'string' }, 2: { name: 'version', type: 'int64' } },
};

export const StringStringEntry: Schema = {
  name: 'StringStringEntryProto',
  fields: { 1: { name: 'key', type: 'string' }, 2: { name: 'value', type: 'string' } },
};

export const Tensor: Schema = {
  name: 'TensorProto',
  fields: {
    1: { name: 'dims', type: 'int64', repeated: true, packed: true },
    2: { name: 'dataType', type: 'int32' },
    4: { name: 'floatData', type: 'float', repeated: true, packed: true },
    5: { name: 'int32Data', type: 'int32', repeated: true, packed: true },
    7: { name: 'int64Data', type: 'int64', repeated: true, packed: true },
    8: { name: 'name', type: 'string' },
    9: { name: 'rawData', type: 'bytes' },
    10: { name: 'doubleData', type: 'double', repeated: true, packed: true },
    12: { name: 'docString', type: 'string' },
    13: { name: 'externalData', type: 'message', repeated: true, schema: () => StringStringEntry },
    14: { name: 'dataLocation', type: 'enum' },
  },
};

export const Dimension: Schema = {
  name: 'TensorShapeProto.Dimension',
  fields: { 1: { name: 'dimValue', type: 'int64' }, 2: { name: 'dimParam', type: 'string' } },
};

export const TensorShape: Schema = {
  name: 'TensorShapeProto',
  fields: { 1: { name: 'dim', type: 'message', repeated: true, schema: () => Dimension } },
};

export const TensorTypeProto: Schema = {
  name: 'TypeProto.Tensor',
  fields: { 1: { name: 'elemType', type: 'int32' }, 2: { name: 'shape', type: 'message', schema: () => TensorShape } },
};

export const TypeProto: Schema = {
  name: 'TypeProto',
  fields: { 1: { name: 'tensorType', type: 'message', schema: () => TensorTypeProto } },
};

export const ValueInfo: Schema = {
  name: 'ValueInfoProto',
  fields: {
    1: { name: 'name', type: 'string' },
    2: { name: 'type', type: 'message', schema: () => TypeProto },
    3: { name: 'docString', type: 'string' },
  },
};

export const Attribute: Schema = {
  name: 'AttributeProto',
  fields: {
    1: { name: 'name', type: 'string' },
    2: { name: 'f', type: 'float' },
    3: { name: 'i', type: 'int64' },
    4: { name: 's', type: 'bytes' },
    5: { name: 't', type: 'message', schema: () => Tensor },
    6: { name: 'g', type: 'message', schema: () => Graph },
    7: { name: 'floats', type: 'float', repeated: true },
    8: { name: 'ints', type: 'int64', repeated: true },
    9: { name: 'strings', type: 'bytes', repeated: true },
    13: { name: 'docString', type: 'string' },
    20: { name: 'type', type: 'enum' },
  },
};

export const Node: Schema = {
  name: 'NodeProto',
  fields: {
    1: { name: 'input', type: 'string', repeated: true },
    2: { name: 'output', type: 'string', repeated: true },
    3: { name: 'name', type: 'string' },
    4: { name: 'opType', type: 'string' },
    5: { name: 'attribute', type: 'message', repeated: true, schema: () => Attribute },
    6: { name: 'docString', type: 'string' },
    7: { name: 'domain', type: 'string' },
  },
};

export const Graph: Schema = {
  name: 'GraphProto',
  fields: {
    1: { name: 'node', type: 'message', repeated: true, schema: () => Node },
    2: { name: 'name', type: 'string' },
    5: { name: 'initializer', type: 'message', repeated: true, schema: () => Tensor },
    10: { name: 'docString', type: 'string' },
    11: { name: 'input', type: 'message', repeated: true, schema: () => ValueInfo },
    12: { name: 'output', type: 'message', repeated: true, schema: () => ValueInfo },
    13: { name: 'valueInfo', type: 'message', repeated: true, schema: () => ValueInfo },
  },
};

export const Model: Schema = {
  name: 'ModelProto',
  fields: {
    1: { name: 'irVersion', type: 'int64' },
    2: { name: 'producerName', type: 'string' },
    3: { name: 'producerVersion', type: 'string' },
    4: { name: 'domain', type: 'string' },
    5: { name: 'modelVersion', type: 'int64' },
    6: { name: 'docString', type: 'string' },
    7: { name: 'graph', type: 'message', schema: () => Graph },
    8: { name: 'opsetImport', type: 'message', repeated: true, schema: () => OperatorSetId },
    14: { name: 'metadataProps', type: 'message', repeated: true, schema: () => StringStringEntry },
  },
};
