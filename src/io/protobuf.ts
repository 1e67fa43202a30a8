// A small Protocol Buffers reader and writer, driven by schemas: enough of the wire format
// (varints, 64-bit varints, fixed32, fixed64, length-delimited fields, packed repeated numbers)
// to read and write the part of onnx.proto that src/io/onnx.ts needs. No dependency: the whole
// format is a few rules, and a generated protobuf library would add far more code than the model
// files it reads.
//
// A schema maps field numbers to { name, type, repeated?, schema? }. decode() turns bytes into a
// plain object (fields by name; repeated fields as arrays; unknown fields skipped by their wire
// type), encode() does the reverse. int64 values are JavaScript numbers: exact up to 2^53, which
// covers every size and index in a model; the few sentinels ONNX uses (INT64_MAX in Slice) only
// need to stay huge, and they do.
import { LstmWasmError } from '../errors.js';

export type FieldType =
  | 'int32'
  | 'int64'
  | 'uint64'
  | 'enum'
  | 'bool'
  | 'float'
  | 'double'
  | 'string'
  | 'bytes'
  | 'message';

export interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
  /** Write repeated numbers packed (one length-delimited record); reading accepts both forms. */
  packed?: boolean;
  /** For type 'message'. A function, so schemas can refer to each other (GraphProto ↔ AttributeProto). */
  schema?: () => Schema;
}

export interface Schema {
  /** The message's name, for error messages. */
  name: string;
  fields: Record<number, Field>;
}

export type Message = Record<string, unknown>;

const WIRE_VARINT = 0,
  WIRE_FIXED64 = 1,
  WIRE_LEN = 2,
  WIRE_FIXED32 = 5;
const TWO32 = 4294967296;

function wireType(t: FieldType): number {
  switch (t) {
    case 'float':
      return WIRE_FIXED32;
    case 'double':
      return WIRE_FIXED64;
    case 'string':
    case 'bytes':
    case 'message':
      return WIRE_LEN;
    default:
      return WIRE_VARINT;
  }
}

// ---- reading -------------------------------------------------------------------------------

/** Reads one message's bytes. `where` names the caller in errors ("fromOnnx"). */
export class ProtoReader {
  pos: number;
  private readonly dv: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly where: string,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(what: string): never {
    throw new LstmWasmError(`${this.where}: ${what}`);
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      this.fail(
        `${what} at byte ${this.pos} runs past the end of its message (byte ${this.end}` +
          (this.end === this.bytes.length ? ', the end of the data' : '') +
          '): the data is cut short or is not this kind of file',
      );
    }
  }

  /** A varint as a number; exact below 2^53, two's complement for negative int64/int32. */
  varint(what = 'a varint'): number {
    let lo = 0,
      hi = 0,
      shift = 0,
      i = 0;
    for (;;) {
      this.need(1, what);
      const b = this.bytes[this.pos++];
      if (i < 4) lo += (b & 0x7f) * 2 ** shift;
      else if (i === 4) {
        lo += (b & 0x0f) * 2 ** 28;
        hi += (b & 0x7f) >> 4;
      } else hi += (b & 0x7f) * 2 ** (7 * i - 32);
      shift += 7;
      i++;
      if ((b & 0x80) === 0) break;
      if (i >= 10) this.fail(`${what} at byte ${this.pos} is longer than 10 bytes: the data is damaged`);
    }
    // hi holds bits 32..63; negative numbers (bit 63 set) come back as their signed value.
    hi = hi % TWO32;
    if (hi >= 0x80000000) return (hi - TWO32) * TWO32 + lo;
    return hi * TWO32 + lo;
  }

  fixed32(what: string): number {
    this.need(4, what);
    const v = this.dv.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  fixed64(what: string): number {
    this.need(8, what);
    const v = this.dv.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A length-delimited record: its [start, end) within bytes. */
  lengthDelimited(what: string): [number, number] {
    const n = this.varint(`the length of ${what}`);
    if (n < 0) this.fail(`${what} at byte ${this.pos} has a negative length: the data is damaged`);
    this.need(n, what);
    const start = this.pos;
    this.pos += n;
    return [start, start + n];
  }

  skip(wire: number, what: string): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint(what);
        break;
      case WIRE_FIXED64:
        this.need(8, what);
        this.pos += 8;
        break;
      case WIRE_LEN:
        this.lengthDelimited(what);
        break;
      case WIRE_FIXED32:
        this.need(4, what);
        this.pos += 4;
        break;
      default:
        this.fail(
          `${what} at byte ${this.pos} has wire type ${wire}, which no ` +
            'protobuf message uses: the data is damaged or not a protobuf',
        );
    }
  }
}

const utf8 = new TextDecoder('utf-8');

function scalar(r: ProtoReader, f: Field, what: string): unknown {
  switch (f.type) {
    case 'float':
      return r.fixed32(what);
    case 'double':
      return r.fixed64(what);
    case 'bool':
      return r.varint(what) !== 0;
    case 'int32':
      return r.varint(what) | 0;
    default:
      return r.varint(what);
  }
}

/** Decodes bytes[start, end) as a message of `schema`. */
export function decode(bytes: Uint8Array, schema: Schema, where: string, start = 0, end = bytes.length): Message {
  const r = new ProtoReader(bytes, where, start, end);
  const out: Message = {};
  for (const f of Object.values(schema.fields)) if (f.repeated) out[f.name] = [];
  while (r.pos < end) {
    const tagAt = r.pos;
    const tag = r.varint(`a field tag of ${schema.name}`);
    const num = Math.floor(tag / 8),
      wire = tag & 7;
    if (num === 0)
      r.fail(`field number 0 in ${schema.name} at byte ${tagAt}: the data is damaged or not this kind of file`);
    const f = schema.fields[num];
    const what = f ? `${schema.name}.${f.name}` : `field ${num} of ${schema.name}`;
    if (!f) {
      r.skip(wire, what);
      continue;
    }
    const expected = wireType(f.type);
    if (f.repeated && wire === WIRE_LEN && expected !== WIRE_LEN) {
      // Packed repeated numbers: one record holding them back to back.
      const [s, e] = r.lengthDelimited(what);
      const inner = new ProtoReader(bytes, where, s, e);
      const list = out[f.name] as unknown[];
      while (inner.pos < e) list.push(scalar(inner, f, what));
      continue;
    }
    if (wire !== expected)
      r.fail(
        `${what} at byte ${tagAt} has wire type ${wire}, expected ` +
          `${expected}: the data is damaged or not this kind of file`,
      );
    let v: unknown;
    if (f.type === 'message') {
      const [s, e] = r.lengthDelimited(what);
      v = decode(bytes, f.schema!(), where, s, e);
    } else if (f.type === 'string') {
      const [s, e] = r.lengthDelimited(what);
      v = utf8.decode(bytes.subarray(s, e));
    } else if (f.type === 'bytes') {
      const [s, e] = r.lengthDelimited(what);
      v = bytes.subarray(s, e);
    } else {
      v = scalar(r, f, what);
    }
    if (f.repeated) (out[f.name] as unknown[]).push(v);
    else out[f.name] = v; // the last one wins, as protobuf says
  }
  return out;
}

// ---- writing -------------------------------------------------------------------------------

/** A growing byte buffer with the protobuf primitives. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private dv = new DataView(this.buf.buffer);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.length++] = b;
  }

  /** Any integer in (-2^63, 2^64): negatives as 10-byte two's complement, as int64 and int32 want. */
  varint(v: number): void {
    if (!Number.isInteger(v)) throw new LstmWasmError(`protobuf: cannot write ${v} as an integer`);
    if (v >= 0 && v < TWO32) {
      while (v >= 0x80) {
        this.byte((v & 0x7f) | 0x80);
        v = Math.floor(v / 128);
      }
      this.byte(v);
      return;
    }
    let x = BigInt(v);
    if (x < 0n) x += 1n << 64n;
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }

  tag(num: number, wire: number): void {
    this.varint(num * 8 + wire);
  }

  float(v: number): void {
    this.room(4);
    this.dv.setFloat32(this.length, v, true);
    this.length += 4;
  }

  double(v: number): void {
    this.room(8);
    this.dv.setFloat64(this.length, v, true);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const utf8enc = new TextEncoder();

function writeScalar(w: ProtoWriter, f: Field, v: unknown): void {
  switch (f.type) {
    case 'float':
      w.float(v as number);
      break;
    case 'double':
      w.double(v as number);
      break;
    case 'bool':
      w.varint(v ? 1 : 0);
      break;
    default:
      w.varint(v as number);
  }
}

function writeField(w: ProtoWriter, num: number, f: Field, v: unknown): void {
  switch (f.type) {
    case 'message':
      w.tag(num, WIRE_LEN);
      w.bytes(encode(v as Message, f.schema!()));
      break;
    case 'string':
      w.tag(num, WIRE_LEN);
      w.bytes(utf8enc.encode(v as string));
      break;
    case 'bytes':
      w.tag(num, WIRE_LEN);
      w.bytes(v as Uint8Array);
      break;
    default:
      w.tag(num, wireType(f.type));
      writeScalar(w, f, v);
  }
}

/** Encodes a plain object by `schema`, fields in field-number order; undefined fields are left out. */
export function encode(msg: Message, schema: Schema): Uint8Array {
  const w = new ProtoWriter();
  const nums = Object.keys(schema.fields)
    .map(Number)
    .sort((a, b) => a - b);
  for (const num of nums) {
    const f = schema.fields[num];
    const v = msg[f.name];
    if (v === undefined || v === null) continue;
    if (!f.repeated) {
      writeField(w, num, f, v);
      continue;
    }
    const list = v as ArrayLike<unknown>;
    if (list.length === 0) continue;
    if (f.packed) {
      const inner = new ProtoWriter();
      for (let i = 0; i < list.length; i++) writeScalar(inner, f, list[i]);
      w.tag(num, WIRE_LEN);
      w.bytes(inner.finish());
    } else {
      for (let i = 0; i < list.length; i++) writeField(w, num, f, list[i]);
    }
  }
  return w.finish();
}
