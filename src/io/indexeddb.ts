// Models in a browser's IndexedDB under a name, as TF.js's 'indexeddb://name' URLs: ModelCheckpoint
// saves there and loadModel reads from there. One database ('lstm-wasm'), one object store
// ('models'), the key is the name; each record holds our format's bytes (what model.save() gives),
// so what is stored loads as any saved file does, checked by its checksums. A put is one
// IndexedDB transaction: a tab closed or killed during a save leaves the previous record whole.
import { LstmWasmError } from '../errors.js';

/** The URL scheme, as TF.js spells it. */
export const INDEXEDDB_SCHEME = 'indexeddb://';
/** The database and object store the models are kept in. */
export const INDEXEDDB_DATABASE = 'lstm-wasm';
export const INDEXEDDB_STORE = 'models';

/** Whether `path` is an 'indexeddb://name' URL. */
export function isIndexedDbUrl(path: unknown): path is string {
  return typeof path === 'string' && path.startsWith(INDEXEDDB_SCHEME);
}

/** The name in 'indexeddb://name', checked: not empty. */
export function indexedDbKey(where: string, url: string): string {
  const key = url.slice(INDEXEDDB_SCHEME.length);
  if (key === '')
    throw new LstmWasmError(
      `${where}: '${url}' names no model; write 'indexeddb://' and a name, such as 'indexeddb://my-model'`,
    );
  return key;
}

interface IdbRequest<T> {
  result: T;
  error: { message?: string } | null;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
  onblocked: (() => void) | null;
}
interface IdbDatabase {
  objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): unknown;
  transaction(store: string, mode: 'readonly' | 'readwrite'): IdbTransaction;
  close(): void;
}
interface IdbTransaction {
  objectStore(name: string): {
    put(value: unknown, key: string): IdbRequest<unknown>;
    get(key: string): IdbRequest<unknown>;
    delete(key: string): IdbRequest<unknown>;
  };
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  error: { message?: string } | null;
}

function factory(where: string, url: string): { open(name: string, version: number): IdbOpenRequest } {
  const idb = (globalThis as { indexedDB?: { open(name: string, version: number): IdbOpenRequest } }).indexedDB;
  if (!idb)
    throw new LstmWasmError(
      `${where}: '${url}' needs IndexedDB, which this runtime does not ` +
        "have (it is a browser's); in Node, Deno or Bun give a file path",
    );
  return idb;
}

function openDb(where: string, url: string): Promise<IdbDatabase> {
  const req = factory(where, url).open(INDEXEDDB_DATABASE, 1);
  return new Promise((resolve, reject) => {
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(INDEXEDDB_STORE)) req.result.createObjectStore(INDEXEDDB_STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () =>
      reject(new LstmWasmError(`${where}: cannot open IndexedDB for '${url}': ${req.error?.message ?? 'refused'}`));
    req.onblocked = () =>
      reject(new LstmWasmError(`${where}: IndexedDB for '${url}' is blocked by another tab holding an older version`));
  });
}

type IdbStore = ReturnType<IdbTransaction['objectStore']>;

/**
 * One transaction on the store: `op` makes its requests; resolves with what `op` returned (read
 * once the transaction has committed).
 */
async function run<T>(
  where: string,
  url: string,
  mode: 'readonly' | 'readwrite',
  op: (store: IdbStore) => () => T,
): Promise<T> {
  const db = await openDb(where, url);
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(INDEXEDDB_STORE, mode);
      const result = op(tx.objectStore(INDEXEDDB_STORE));
      const fail = () =>
        reject(new LstmWasmError(`${where}: IndexedDB refused '${url}': ${tx.error?.message ?? 'aborted'}`));
      tx.oncomplete = () => resolve(result());
      tx.onerror = fail;
      tx.onabort = fail;
    });
  } finally {
    db.close();
  }
}

/** A stored record: the bytes, when, and what the saver said about them. */
export interface IndexedDbRecord {
  bytes: Uint8Array;
  savedAt: string;
  info?: Record<string, unknown>;
}

/**
 * Stores `bytes` under 'indexeddb://name' (replacing what was there) in one transaction; with
 * `previousUrl`, what was there moves under that name in the same transaction.
 */
export async function saveToIndexedDb(
  where: string,
  url: string,
  bytes: Uint8Array,
  info?: Record<string, unknown>,
  previousUrl?: string,
): Promise<void> {
  const key = indexedDbKey(where, url);
  const previous = previousUrl === undefined ? undefined : indexedDbKey(where, previousUrl);
  // A copy of just these bytes (a view into WASM memory or a larger buffer would store all of it).
  const record: IndexedDbRecord = {
    bytes: bytes.slice(),
    savedAt: new Date().toISOString(),
    ...(info ? { info } : {}),
  };
  await run(where, url, 'readwrite', (s) => {
    if (previous === undefined) s.put(record, key);
    else {
      const old = s.get(key);
      old.onsuccess = () => {
        if (old.result !== undefined) s.put(old.result, previous);
        s.put(record, key);
      };
    }
    return () => undefined;
  });
}

/** The bytes stored under 'indexeddb://name', or null when nothing is stored there. */
export async function readIndexedDb(where: string, url: string): Promise<Uint8Array | null> {
  const key = indexedDbKey(where, url);
  const rec = await run(where, url, 'readonly', (s) => {
    const req = s.get(key);
    return () => req.result as IndexedDbRecord | undefined;
  });
  if (rec === undefined) return null;
  const b = (rec as { bytes?: unknown } | null)?.bytes;
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  throw new LstmWasmError(`${where}: the record under '${url}' holds no model bytes; it was not written by lstm-wasm`);
}

/** The bytes stored under 'indexeddb://name'; an error naming it when nothing is stored there. */
export async function loadFromIndexedDb(where: string, url: string): Promise<Uint8Array> {
  const bytes = await readIndexedDb(where, url);
  if (bytes === null)
    throw new LstmWasmError(
      `${where}: nothing is saved under '${url}' in this origin's IndexedDB ` +
        `(database '${INDEXEDDB_DATABASE}', store '${INDEXEDDB_STORE}')`,
    );
  return bytes;
}

/** Removes what is stored under these 'indexeddb://name' URLs (nothing where nothing is), in one transaction. */
export async function deleteFromIndexedDb(where: string, ...urls: string[]): Promise<void> {
  if (!urls.length) return;
  const keys = urls.map((u) => indexedDbKey(where, u));
  await run(where, urls[0], 'readwrite', (s) => {
    for (const k of keys) s.delete(k);
    return () => undefined;
  });
}
