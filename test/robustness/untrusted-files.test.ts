// Model files are untrusted input: files made to attack the loaders. Nothing in a file may make a
// loader read outside the model's folder, fetch from another origin (unless the caller allows it),
// allocate before checking sizes against the bytes present, recurse without bound, or reach an
// object's prototype. Each case is an LstmWasmError naming what was refused. The fuzzers extend to
// the TF.js and ONNX readers: random damage to valid files gives a model or an LstmWasmError, never
// another exception.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Dense, LSTM, LstmWasmError, Sequential, fromOnnx, loadLayersModel, loadModelSync, saveLayersModel, toOnnx,
} from '../../src/index.js';
import { initForTests } from '../util/tfjs.js';
import { rng } from '../util/kernels.js';

const dir = mkdtempSync(join(tmpdir(), 'lstm-wasm-untrusted-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => { await initForTests(); });

const small = () => new Sequential({ seed: 3, layers: [new LSTM({ units: 3, inputShape: [4, 2] }), new Dense({ units: 1 })] });

async function refused(p: Promise<unknown>, re: RegExp): Promise<void> {
  let err: unknown;
  try { await p; } catch (e) { err = e; }
  expect(err, 'it loaded').toBeDefined();
  expect(err).toBeInstanceOf(LstmWasmError);
  expect((err as Error).message).toMatch(re);
}

/** A saved TF.js model folder, its model.json edited. */
async function folder(name: string, edit: (json: { weightsManifest: { paths: string[] }[]; modelTopology: unknown }) => void): Promise<string> {
  const at = join(dir, name, 'model');
  mkdirSync(at, { recursive: true });
  await saveLayersModel(small(), at);
  const file = join(at, 'model.json');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  edit(json);
  writeFileSync(file, JSON.stringify(json));
  return at;
}

describe('the TF.js reader never leaves the model\'s folder', () => {
  it('weightsManifest paths that climb out, are absolute, name a scheme or hold a NUL are refused unread', async () => {
    // A file beside the folder that an attacker would want read.
    writeFileSync(join(dir, 'secret.bin'), new Uint8Array(64));
    for (const [p, why] of [['../../secret.bin', /climbs out with '\.\.'/], ['sub/../../../secret.bin', /climbs out/], [join(dir, 'secret.bin'), /is absolute/], ['file:///etc/passwd', /names a scheme/], ['C:\\Windows\\win.ini', /names a scheme or a drive/], ['a\u0000b', /holds a NUL/]] as const) {
      const at = await folder(`climb-${Math.abs(p.length)}-${p.charCodeAt(0)}`, (j) => { j.weightsManifest[0].paths[0] = p; });
      await refused(loadLayersModel(at), new RegExp(`weightsManifest path .* ${why.source}.*inside the model's own folder`));
    }
  });

  it('a shard larger than the weights it could hold is refused before it is read', async () => {
    const at = await folder('huge', () => {});
    const json = JSON.parse(readFileSync(join(at, 'model.json'), 'utf8'));
    writeFileSync(join(at, json.weightsManifest[0].paths[0]), new Uint8Array(10 * 1024 * 1024));
    await refused(loadLayersModel(at), /bytes of shards, more than the \d+ its weights take: refused before reading/);
  });

  it('a layer config key that would reach a prototype is refused', async () => {
    const at = join(dir, 'proto');
    mkdirSync(at, { recursive: true });
    await saveLayersModel(small(), at);
    const file = join(at, 'model.json');
    const text = readFileSync(file, 'utf8').replace('"units":3', '"units":3,"__proto__":{"polluted":true}');
    writeFileSync(file, text);
    await refused(loadLayersModel(at), /the key "__proto__"/);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('the TF.js reader over fetch stays on the model\'s origin', () => {
  const serve = (files: Record<string, Uint8Array | string>, log: string[]) => async (u: string) => {
    log.push(u);
    const path = new URL(u).pathname;
    const body = files[path];
    if (body === undefined) return new Response('not found', { status: 404 });
    return new Response(body as unknown as BodyInit, { status: 200, headers: { 'content-length': String(typeof body === 'string' ? new TextEncoder().encode(body).length : body.length) } });
  };

  async function artifacts(): Promise<{ json: Record<string, unknown>; shard: Uint8Array }> {
    const at = join(dir, 'http');
    mkdirSync(at, { recursive: true });
    await saveLayersModel(small(), at);
    const json = JSON.parse(readFileSync(join(at, 'model.json'), 'utf8'));
    return { json, shard: readFileSync(join(at, json.weightsManifest[0].paths[0])) };
  }

  it('a shard on another origin is refused unless { allowCrossOrigin: true }; a same-origin one loads', async () => {
    const { json, shard } = await artifacts();
    const name = (json.weightsManifest as { paths: string[] }[])[0].paths[0];
    const log: string[] = [];
    const files = { '/m/model.json': JSON.stringify(json), [`/m/${name}`]: shard };
    const m = await loadLayersModel('https://models.example/m/model.json', { fetch: serve(files, log) as never });
    expect(m.layers.length).toBe(2);
    const other = JSON.parse(JSON.stringify(json));
    for (const p of [`https://elsewhere.example/${name}`, `//elsewhere.example/${name}`]) { // the second: protocol-relative
      other.weightsManifest[0].paths[0] = p;
      await refused(loadLayersModel('https://models.example/m/model.json', { fetch: serve({ '/m/model.json': JSON.stringify(other) }, log) as never }), /is on another origin \(https:\/\/elsewhere\.example\); pass \{ allowCrossOrigin: true \}/);
    }
    expect(log.some((u) => u.includes('elsewhere'))).toBe(false);
    other.weightsManifest[0].paths[0] = 'file:///etc/passwd';
    await refused(loadLayersModel('https://models.example/m/model.json', { fetch: serve({ '/m/model.json': JSON.stringify(other) }, log) as never }), /is not an http\(s\) URL \(file:\)/);
    // Allowed by the caller: the shard on the other origin is fetched.
    other.weightsManifest[0].paths[0] = `https://elsewhere.example/${name}`;
    const files2 = { '/m/model.json': JSON.stringify(other), [`/${name}`]: shard };
    const m2 = await loadLayersModel('https://models.example/m/model.json', { fetch: serve(files2, log) as never, allowCrossOrigin: true });
    expect(m2.layers.length).toBe(2);
    expect(log.some((u) => u.startsWith('https://elsewhere.example/'))).toBe(true);
  });

  it('a shard whose Content-Length is larger than the weights is refused before its body is read', async () => {
    const { json } = await artifacts();
    const name = (json.weightsManifest as { paths: string[] }[])[0].paths[0];
    const log: string[] = [];
    await refused(loadLayersModel('https://models.example/m/model.json', { fetch: serve({ '/m/model.json': JSON.stringify(json), [`/m/${name}`]: new Uint8Array(5 * 1024 * 1024) }, log) as never }), /refused before reading/);
  });
});

describe('our format and wrappers: bounded recursion', () => {
  it('TimeDistributed wrapped a thousand deep is refused, not a stack overflow', () => {
    const bytes = small().save();
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    const hlen = dv.getUint32(12, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + hlen)));
    let layer: Record<string, unknown> = { className: 'Dense', config: { units: 1 } };
    for (let i = 0; i < 1000; i++) layer = { className: 'TimeDistributed', config: { layer } };
    header.modelTopology.config.layers[1] = layer;
    const json = new TextEncoder().encode(JSON.stringify(header));
    // Rebuild the file with a valid header checksum, so the loader gets as far as the layers.
    const crc = (b: Uint8Array) => { let c = ~0; for (const x of b) { c ^= x; for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1)); } return ~c >>> 0; };
    const out = new Uint8Array(20 + json.length + (bytes.length - 20 - hlen));
    out.set(bytes.subarray(0, 20));
    out.set(json, 20);
    out.set(bytes.subarray(20 + hlen), 20 + json.length);
    const odv = new DataView(out.buffer);
    odv.setUint32(12, json.length, true);
    odv.setUint32(16, crc(json), true);
    let err: unknown;
    try { loadModelSync(out); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LstmWasmError);
    expect((err as Error).message).toMatch(/wrapped more than 8 deep/);
  });
});

describe('fuzzing the TF.js and ONNX readers', () => {
  const outcome = async (f: () => Promise<unknown> | unknown): Promise<'ok' | 'refused'> => {
    try { await f(); return 'ok'; } catch (e) {
      if (e instanceof LstmWasmError) return 'refused';
      throw new Error(`not an LstmWasmError: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    }
  };

  it('ONNX: 1,500 damaged copies of a valid model give a model or an LstmWasmError', async () => {
    const bytes = toOnnx(small());
    const r = rng(99);
    const seen = { ok: 0, refused: 0 };
    for (let i = 0; i < 1500; i++) {
      const b = bytes.slice();
      const edits = 1 + Math.floor(r() * 4);
      for (let e = 0; e < edits; e++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      const cut = r() < 0.2 ? b.subarray(0, Math.floor(r() * b.length)) : b;
      seen[await outcome(() => fromOnnx(cut))]++;
    }
    console.log(`ONNX fuzz: ${seen.ok} loaded, ${seen.refused} refused with an LstmWasmError, none threw anything else`);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('TF.js model.json: 800 damaged copies give a model or an LstmWasmError', async () => {
    const at = join(dir, 'fuzz');
    mkdirSync(at, { recursive: true });
    await saveLayersModel(small(), at);
    const text = readFileSync(join(at, 'model.json'), 'utf8');
    const shardName = JSON.parse(text).weightsManifest[0].paths[0];
    const weights = readFileSync(join(at, shardName));
    const r = rng(7);
    const seen = { ok: 0, refused: 0 };
    const alphabet = '{}[]",:0123456789-.eE nulltruefalse"units""name"';
    for (let i = 0; i < 800; i++) {
      const chars = [...text];
      const edits = 1 + Math.floor(r() * 3);
      for (let e = 0; e < edits; e++) chars[Math.floor(r() * chars.length)] = alphabet[Math.floor(r() * alphabet.length)];
      const modelJson = (() => { try { return JSON.parse(chars.join('')); } catch { return null; } })();
      if (modelJson === null) continue;
      seen[await outcome(() => loadLayersModel({ modelJson, weights: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length) } as never))]++;
    }
    console.log(`TF.js fuzz: ${seen.ok} loaded, ${seen.refused} refused with an LstmWasmError, none threw anything else`);
    expect(seen.refused).toBeGreaterThan(0);
  });
});
