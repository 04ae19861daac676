/**
 * A minimal ustar writer and reader plus gzip, so the fake npm registry can serve real npm
 * tarballs (`package/package.json`, `package/index.js`) without a tar dependency, and tests can
 * read a served tarball back. Output is deterministic: fixed mtime, uid/gid 0, and gzip's header
 * carries no timestamp, so the same contents always give the same bytes (and the same digest).
 *
 * Exports:
 *   tar(entries) / untar(buffer)            — ustar archive bytes from files, and files from bytes
 *   gzipTar(entries, level?) / gunzipTar(b) — the same, gzipped
 *   readTarballPackageJson(tgz)             — parsed `package/package.json` of an npm tarball
 *   sriSha512(bytes) / sha1Hex(bytes)       — the digests npm advertises in `dist`
 *   pseudoRandomBytes(size, seed)           — incompressible, reproducible padding
 *   buildNpmTarball(packageJson, options)   — an installable npm package .tgz and its dist facts
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const BLOCK = 512;
/** 2020-01-01T00:00:00Z: a fixed mtime keeps archives byte-for-byte reproducible. */
const FIXED_MTIME = 1577836800;

export interface TarEntry {
  /** Path inside the archive, e.g. `package/index.js`. At most 255 bytes. */
  path: string;
  content: Buffer | string;
  /** File mode; 0o644 by default. */
  mode?: number;
}

/** Writes `value` as zero-padded octal filling `width - 1` bytes plus a NUL terminator. */
function writeOctal(header: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8).padStart(width - 1, '0');
  if (digits.length > width - 1) throw new Error(`tar: value ${value} does not fit in ${width} bytes`);
  header.write(`${digits}\0`, offset, width, 'ascii');
}

/** Splits a long path into ustar's prefix (155 bytes) and name (100 bytes) at a slash. */
function splitPath(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let cut = path.indexOf('/'); cut !== -1; cut = path.indexOf('/', cut + 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { prefix, name };
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

function header(path: string, size: number, mode: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  const { prefix, name } = splitPath(path);
  block.write(name, 0, 100, 'utf8');
  writeOctal(block, 100, 8, mode);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, FIXED_MTIME);
  block.write('        ', 148, 8, 'ascii'); // checksum field counts as spaces while summing
  block.write('0', 156, 1, 'ascii'); // typeflag: regular file
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  block.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

/** An uncompressed ustar archive holding `entries` as regular files, in order. */
export function tar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const content = typeof entry.content === 'string' ? Buffer.from(entry.content) : entry.content;
    parts.push(header(entry.path, content.length, entry.mode ?? 0o644), content);
    const pad = (BLOCK - (content.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2)); // end-of-archive marker
  return Buffer.concat(parts);
}

/**
 * A gzipped ustar archive. Level 0 (stored deflate blocks) is still valid gzip and is what we use
 * for large incompressible padding: it is ten times faster than compressing random bytes.
 */
export async function gzipTar(entries: readonly TarEntry[], level = 6): Promise<Buffer> {
  return gzipAsync(tar(entries), { level });
}

function readString(block: Buffer, offset: number, width: number): string {
  const raw = block.subarray(offset, offset + width);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? width : end).toString('utf8');
}

/**
 * Regular files of a ustar archive, by path. Checks each header checksum, so a corrupt archive
 * throws instead of yielding garbage. Other entry types (directories, pax headers) are skipped.
 */
export function untar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let offset = 0;
  while (offset + BLOCK <= archive.length) {
    const block = archive.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) return files; // end-of-archive marker
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (block[i] ?? 0);
    const stored = parseInt(readString(block, 148, 8).trim(), 8);
    if (stored !== sum) throw new Error(`untar: bad header checksum at offset ${offset}`);
    const size = parseInt(readString(block, 124, 12).trim() || '0', 8);
    const type = readString(block, 156, 1);
    const prefix = readString(block, 345, 155);
    const name = readString(block, 0, 100);
    const path = prefix === '' ? name : `${prefix}/${name}`;
    const start = offset + BLOCK;
    if (start + size > archive.length) throw new Error(`untar: ${path} runs past the end of the archive`);
    if (type === '0' || type === '') files.set(path, archive.subarray(start, start + size));
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new Error('untar: archive ended without the end-of-archive marker');
}

/** Regular files of a .tgz, by path. Throws on a broken gzip stream or tar header. */
export function gunzipTar(tgz: Buffer): Map<string, Buffer> {
  return untar(gunzipSync(tgz));
}

/** The parsed `package/package.json` of an npm tarball. */
export function readTarballPackageJson(tgz: Buffer): Record<string, unknown> {
  const raw = gunzipTar(tgz).get('package/package.json');
  if (raw === undefined) throw new Error('tarball has no package/package.json');
  const parsed: unknown = JSON.parse(raw.toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('package/package.json is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** The `sha512-…` Subresource Integrity string npm puts in `dist.integrity`. */
export function sriSha512(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/** The hex SHA-1 npm puts in `dist.shasum`. */
export function sha1Hex(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/**
 * `size` reproducible bytes that gzip cannot shrink (xorshift32), so a tarball padded with them
 * is really as large on the wire as the test asked for.
 */
export function pseudoRandomBytes(size: number, seed: number): Buffer {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return Buffer.from(words.buffer, 0, size);
}

/** The bytes of one npm tarball and the `dist` facts a packument advertises for them. */
export interface TarballInfo {
  bytes: Buffer;
  integrity: string;
  shasum: string;
  fileCount: number;
  unpackedSize: number;
}

export interface NpmTarballOptions {
  /** Content of `package/index.js`. */
  indexJs: string;
  /** Paths (relative to the package) to write as executable scripts, for `bin` entries. */
  binFiles?: string[];
  /** Approximate size of the .tgz: incompressible padding goes into `package/padding.bin`. */
  size?: number;
  /** Seeds the padding, so the same package always gets the same bytes. */
  seed?: string;
}

/** An npm package tarball (`package/package.json`, `package/index.js`, bins, padding). */
export async function buildNpmTarball(packageJson: Record<string, unknown>, options: NpmTarballOptions): Promise<TarballInfo> {
  const entries: TarEntry[] = [
    { path: 'package/package.json', content: `${JSON.stringify(packageJson, null, 2)}\n` },
    { path: 'package/index.js', content: options.indexJs },
  ];
  for (const file of options.binFiles ?? []) {
    entries.push({ path: `package/${file.replace(/^\.\//, '')}`, content: '#!/usr/bin/env node\n', mode: 0o755 });
  }
  let bytes = await gzipTar(entries);
  const wanted = options.size ?? 0;
  if (wanted > bytes.length + 1024) {
    // Random padding does not compress, so the served size tracks the request closely; gzip
    // level 0 keeps building a 20 MB tarball to tens of milliseconds.
    const seed = parseInt(sha1Hex(Buffer.from(options.seed ?? '')).slice(0, 8), 16);
    entries.push({ path: 'package/padding.bin', content: pseudoRandomBytes(wanted - bytes.length - 1024, seed) });
    bytes = await gzipTar(entries, 0);
  }
  const unpackedSize = entries.reduce((sum, e) => sum + Buffer.byteLength(e.content), 0);
  return { bytes, integrity: sriSha512(bytes), shasum: sha1Hex(bytes), fileCount: entries.length, unpackedSize };
}
