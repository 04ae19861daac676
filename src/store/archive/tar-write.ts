/**
 * Writes a tar archive as a stream of buffers, entry by entry, each body streamed straight
 * through: node-tar's Header and Pax encode the 512-byte headers (a pax extended header where a
 * name is longer than ustar holds, as `blobs/sha512/<128 hex>` is), this module frames the bodies
 * (padding to 512 bytes, two zero blocks at the end). node-tar's own Pack reads files by path
 * and runs several at once; we want our own order, our own sources and nothing buffered.
 *
 * The output goes to `<file>.tmp-<random>` and is renamed into place only once it is complete
 * and flushed, so a failed or interrupted export never leaves something that looks like an
 * archive.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { Header, Pax } from 'tar';
import { LarderError } from '../../errors.js';

const BLOCK = 512;
const ZEROS = Buffer.alloc(BLOCK * 2);

export interface TarEntry {
  name: string;
  size: number;
  mtime: Date;
  /** Exactly `size` bytes; more or fewer is a bug of the caller and fails the archive. */
  body: AsyncIterable<Buffer>;
}

/** The header blocks of one regular file entry. */
function headerBlocks(entry: TarEntry): Buffer[] {
  // uid/gid 0 and no user names: an archive carried to another machine says nothing about this one.
  const fields = { path: entry.name, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', size: entry.size, mtime: entry.mtime, type: 'File' as const };
  const header = new Header(fields);
  const needPax = header.encode();
  const block = header.block;
  if (block === undefined) throw new LarderError('E_INTERNAL', `tar could not encode a header for ${entry.name}`, { operation: 'archive.write' });
  return needPax ? [new Pax({ path: entry.name, size: entry.size, mtime: entry.mtime }).encode(), block] : [block];
}

/** The bytes of a tar archive holding `entries`, in order. */
export async function* tarStream(entries: AsyncIterable<TarEntry>): AsyncGenerator<Buffer> {
  for await (const entry of entries) {
    yield* headerBlocks(entry);
    let written = 0;
    for await (const chunk of entry.body) {
      written += chunk.length;
      if (written > entry.size) break;
      yield chunk;
    }
    if (written !== entry.size) {
      throw new LarderError('E_INTERNAL', `archive entry ${entry.name} gave ${written} bytes where ${entry.size} were announced`, { operation: 'archive.write' });
    }
    const padding = (BLOCK - (entry.size % BLOCK)) % BLOCK;
    if (padding > 0) yield ZEROS.subarray(0, padding);
  }
  yield ZEROS;
}

/** True for the file names that get gzip: `.gz` and `.tgz`. */
export function wantsGzip(file: string): boolean {
  return /\.(t?gz)$/i.test(file);
}

/**
 * Streams `entries` into `file` as a tar archive (gzip-compressed per `wantsGzip`), through a
 * temp file renamed into place at the end. On failure the temp file is removed and the error
 * is thrown as it came.
 */
export async function writeTarFile(file: string, entries: AsyncIterable<TarEntry>): Promise<void> {
  const temp = `${file}.tmp-${randomUUID().slice(0, 8)}`;
  const stages: Array<Readable | Transform> = [Readable.from(tarStream(entries), { objectMode: false })];
  if (wantsGzip(file)) stages.push(createGzip());
  try {
    // flush: fsync before close, so the archive is on disk before it gets its name.
    await pipeline([...stages, createWriteStream(temp, { flags: 'wx', mode: 0o644, flush: true })]);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
