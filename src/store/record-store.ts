/**
 * Small JSON records in sqlite, through keyv + @keyv/sqlite, at `<dataDir>/records-v1.sqlite`.
 *
 * The traps (DESIGN §5) and what we do about them:
 * - @keyv/sqlite defaults to an in-memory database: we always pass the file, and `open` waits
 *   for the database to answer so an unopenable path rejects here, as E_STORE, not later as an
 *   unhandled rejection.
 * - keyv swallows store errors: `throwOnErrors: true`, and every error leaves as E_STORE.
 * - keyv deletes expired entries when read: we never give keyv a TTL; records carry their own
 *   timestamps.
 * - keyv's iterator is unordered and LIKE-based: `entries` queries the table itself, in key
 *   order, a page at a time.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Keyv, type DeserializedData } from 'keyv';
import { KeyvSqlite } from '@keyv/sqlite';
import { LarderError, describeError } from '../errors.js';
import type { RecordStore } from './types.js';

/** Table and key namespace inside the file; the file name carries the layout version. */
const TABLE = 'records';
const NAMESPACE = 'larder';
const PAGE_SIZE = 100;
/** How long a write waits for another process (the CLI beside the daemon) to release the file. */
const BUSY_TIMEOUT_MS = 5000;

interface Row {
  key: string;
  value: string;
}

export class SqliteRecordStore implements RecordStore {
  readonly #file: string;
  readonly #keyv: Keyv<unknown>;
  readonly #sqlite: KeyvSqlite;
  /** Per-key queue of writes, so read-modify-write never interleaves within this process. */
  readonly #queues = new Map<string, Promise<unknown>>();
  #closed = false;

  private constructor(file: string, keyv: Keyv<unknown>, sqlite: KeyvSqlite) {
    this.#file = file;
    this.#keyv = keyv;
    this.#sqlite = sqlite;
  }

  /** Opens (creating when missing) the records file; rejects with E_STORE when it cannot. */
  static async open(file: string): Promise<SqliteRecordStore> {
    const path = resolve(file);
    const failed = (error: unknown): LarderError =>
      new LarderError(
        'E_STORE',
        `Cannot open the record store ${path}: ${describeError(error)}. ` +
          'Check that its directory exists and is writable (or pass another --data-dir), and that the file is a larder ' +
          'records database; if it is damaged, move it aside and larder starts with empty records.',
        { operation: 'store.open', cause: error, details: { file: path } },
      );
    try {
      await mkdir(dirname(path), { recursive: true });
    } catch (error) {
      throw failed(error);
    }
    const sqlite = new KeyvSqlite({ uri: `sqlite://${path}`, table: TABLE, busyTimeout: BUSY_TIMEOUT_MS });
    const keyv = new Keyv<unknown>({
      store: sqlite,
      namespace: NAMESPACE,
      throwOnErrors: true,
      // Plain JSON keeps the file readable with the sqlite3 shell.
      serialize: (data) => JSON.stringify(data),
      deserialize: (text) => JSON.parse(text) as DeserializedData<never>,
    });
    // Errors also arrive as events; with throwOnErrors each one is thrown to its caller as well,
    // so the event itself needs no handling beyond not being unhandled.
    keyv.on('error', () => undefined);
    try {
      // Runs after @keyv/sqlite's CREATE TABLE, so it fails for an unopenable or corrupt file.
      await sqlite.query('PRAGMA journal_mode=WAL');
      await sqlite.query('PRAGMA synchronous=NORMAL');
    } catch (error) {
      throw failed(error);
    }
    return new SqliteRecordStore(path, keyv, sqlite);
  }

  #fail(operation: string, key: string, error: unknown): LarderError {
    if (error instanceof LarderError) return error;
    return new LarderError('E_STORE', `Record store ${this.#file} failed to ${operation} "${key}": ${describeError(error)}`, {
      operation: `store.${operation}`,
      cause: error,
    });
  }

  #checkOpen(operation: string, key: string): void {
    if (this.#closed) throw this.#fail(operation, key, new Error('the record store is closed'));
  }

  async get<T>(key: string): Promise<T | undefined> {
    this.#checkOpen('get', key);
    try {
      return (await this.#keyv.get(key)) as T | undefined;
    } catch (error) {
      throw this.#fail('get', key, error);
    }
  }

  async set<T>(key: string, value: T): Promise<void> {
    this.#checkOpen('set', key);
    return this.#enqueue(key, () => this.#write(key, value));
  }

  async delete(key: string): Promise<boolean> {
    this.#checkOpen('delete', key);
    return this.#enqueue(key, () => this.#remove(key));
  }

  async update<T>(key: string, change: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    this.#checkOpen('update', key);
    return this.#enqueue(key, async () => {
      const next = change(await this.get<T>(key));
      if (next === undefined) await this.#remove(key);
      else await this.#write(key, next);
      return next;
    });
  }

  async *entries<T>(prefix: string): AsyncIterable<[string, T]> {
    this.#checkOpen('list', prefix);
    const stored = `${NAMESPACE}:${prefix}`;
    // Keys sort bytewise, so the keys with this prefix are one run starting at the prefix; each
    // page starts after the last key seen, which stays correct while others write.
    let after: string | undefined;
    for (;;) {
      let rows: Row[];
      try {
        rows = (await (after === undefined
          ? this.#sqlite.query(`SELECT key, value FROM ${TABLE} WHERE key >= ? ORDER BY key LIMIT ?`, stored, PAGE_SIZE)
          : this.#sqlite.query(`SELECT key, value FROM ${TABLE} WHERE key > ? ORDER BY key LIMIT ?`, after, PAGE_SIZE))) as Row[];
      } catch (error) {
        throw this.#fail('list', prefix, error);
      }
      for (const row of rows) {
        if (!row.key.startsWith(stored)) return;
        const data = (await this.#keyv.deserializeData<T>(row.value)) as DeserializedData<T> | undefined;
        if (data !== undefined) yield [row.key.slice(NAMESPACE.length + 1), data.value as T];
      }
      if (rows.length < PAGE_SIZE) return;
      after = rows[rows.length - 1]?.key;
    }
  }

  /** Waits for queued writes, then closes the database. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#queues.values()]);
    try {
      await this.#keyv.disconnect();
    } catch (error) {
      throw this.#fail('close', '', error);
    }
  }

  async #write(key: string, value: unknown): Promise<void> {
    try {
      await this.#keyv.set(key, value);
    } catch (error) {
      throw this.#fail('set', key, error);
    }
  }

  async #remove(key: string): Promise<boolean> {
    try {
      return await this.#keyv.delete(key);
    } catch (error) {
      throw this.#fail('delete', key, error);
    }
  }

  /** Runs `task` after every write already queued for `key`; the map entry goes when idle. */
  #enqueue<R>(key: string, task: () => Promise<R>): Promise<R> {
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    // The queue only orders writes: a failure belongs to its own caller (through `result`),
    // not to the next write in line.
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#queues.set(key, tail);
    void tail.then(() => {
      if (this.#queues.get(key) === tail) this.#queues.delete(key);
    });
    return result;
  }
}
