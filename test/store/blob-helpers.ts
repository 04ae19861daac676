/** Helpers for the blob-store tests: bodies, digests, draining streams, and leak checks. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BlobStore, StoredBlob } from '../../src/store/types.js';

export const sri = (data: Buffer, algorithm = 'sha512'): string =>
  `${algorithm}-${createHash(algorithm).update(data).digest('base64')}`;

/** Splits a body into chunks of `size` bytes. */
export function chunksOf(data: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let start = 0; start < data.length; start += size) chunks.push(data.subarray(start, start + size));
  return chunks;
}

/** Writes a whole body and resolves with the committed blob (or rejects with its error). */
export async function writeBlob(
  store: BlobStore,
  expect: { integrity?: string; size?: number },
  data: Buffer,
): Promise<StoredBlob> {
  const write = store.write(expect);
  // A failed write also errors the stream; `committed` carries the error we assert on.
  await pipeline(Readable.from(chunksOf(data, 16 * 1024)), write.stream).catch(() => undefined);
  return write.committed;
}

export interface Drained {
  data: Buffer;
  chunkSizes: number[];
  error?: unknown;
  ended: boolean;
}

/** Reads a stream to its end or its error, never both. */
export function drain(stream: Readable): Promise<Drained> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const finish = (ended: boolean, error?: unknown): void =>
      resolve({ data: Buffer.concat(chunks), chunkSizes: chunks.map((chunk) => chunk.length), ended, error });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => finish(true));
    stream.on('error', (error) => finish(false, error));
  });
}

/** Files left in cacache's tmp dir (none, when it does not exist). */
export async function tmpFiles(cacheDir: string): Promise<string[]> {
  const dir = join(cacheDir, 'tmp');
  return existsSync(dir) ? readdir(dir) : [];
}

/** Every content file cacache holds, as absolute paths. */
export async function contentFiles(cacheDir: string): Promise<string[]> {
  const root = join(cacheDir, 'content-v2');
  if (!existsSync(root)) return [];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

export const canCountFds = existsSync('/proc/self/fd');
export const openFds = (): number => (canCountFds ? readdirSync('/proc/self/fd').length : 0);

/** Waits (up to 2 s) for the open descriptor count to fall back to `baseline`; returns the last count. */
export async function settleFds(baseline: number): Promise<number> {
  let count = openFds();
  for (let waited = 0; count > baseline && waited < 2000; waited += 20) {
    await sleep(20);
    count = openFds();
  }
  return count;
}
