/**
 * What is on disk in the blob store, read straight from cacache's content layout
 * (`content-v2/<algorithm>/<2 hex>/<2 hex>/<rest of the hex digest>`): every blob with the
 * integrity its path says it has, and a streaming check of its bytes against that integrity.
 * Used by `larder verify` and `larder gc`, which work on a data dir a daemon may be serving.
 */
import { createReadStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { INTEGRITY_ALGORITHMS, createDigester, parseIntegrity } from '../domain/integrity.js';

export interface StoredBlobFile {
  integrity: string;
  path: string;
  size: number;
  mtimeMs: number;
}

const CONTENT_DIR = 'content-v2';
const TMP_DIR = 'tmp';

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    // A store that has never written a blob of this kind has no such directory: nothing to list.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Every blob file, in path order. Files whose path is not a digest (foreign files) are skipped. */
export async function* storedBlobs(blobDir: string): AsyncIterable<StoredBlobFile> {
  const content = join(blobDir, CONTENT_DIR);
  for (const algorithm of (await entries(content)).sort()) {
    if (!(INTEGRITY_ALGORITHMS as readonly string[]).includes(algorithm)) continue;
    for (const first of (await entries(join(content, algorithm))).sort()) {
      for (const second of (await entries(join(content, algorithm, first))).sort()) {
        for (const rest of (await entries(join(content, algorithm, first, second))).sort()) {
          const path = join(content, algorithm, first, second, rest);
          const hex = `${first}${second}${rest}`;
          let integrity: string;
          try {
            if (!/^[0-9a-f]+$/.test(hex)) continue;
            // parseIntegrity checks the digest length for the algorithm.
            integrity = parseIntegrity(`${algorithm}-${Buffer.from(hex, 'hex').toString('base64')}`);
          } catch (error) {
            void error; // not a digest-named file: not a blob of ours
            continue;
          }
          // A blob removed since the listing (evicted, disposed) is simply not there any more.
          const info = await stat(path).catch((error: unknown) => {
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
            throw error;
          });
          if (info?.isFile() === true) yield { integrity, path, size: info.size, mtimeMs: info.mtimeMs };
        }
      }
    }
  }
}

/** The integrity the bytes of `path` actually have, in the algorithm of `expected`; undefined when the file is gone. */
export async function actualIntegrity(path: string, expected: string): Promise<string | undefined> {
  const digester = createDigester(expected);
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) digester.update(chunk as Buffer);
  } catch (error) {
    // Removed by a daemon serving the same data dir since it was listed: nothing left to check.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return digester.digest();
}

/** Files cacache's writers left in `tmp/` (a crash mid-write), with their age. */
export async function* leftoverTmpFiles(blobDir: string): AsyncIterable<{ path: string; mtimeMs: number; size: number }> {
  const tmp = join(blobDir, TMP_DIR);
  for (const name of await entries(tmp)) {
    const path = join(tmp, name);
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined) yield { path, mtimeMs: info.mtimeMs, size: info.isFile() ? info.size : 0 };
  }
}

/** Removes every leftover in `tmp/`; only for the holder of the data dir's lock. Returns how many. */
export async function sweepLeftovers(blobDir: string): Promise<number> {
  let swept = 0;
  for await (const leftover of leftoverTmpFiles(blobDir)) {
    await rm(leftover.path, { recursive: true, force: true });
    swept += 1;
  }
  return swept;
}
