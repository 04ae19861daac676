/**
 * A minimal zip writer and reader, so tests can build real wheels (a wheel is a zip) and read a
 * served one back, without a dependency. Writes one local header per entry, a central directory
 * and the end record; no zip64, no data descriptors, no encryption — enough for pip's zipfile.
 * Output is deterministic: a fixed DOS timestamp, so the same entries always give the same bytes.
 *
 *   zip(entries) → Buffer          unzip(buffer) → Map<path, Buffer> (checks every CRC)
 */
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** Path inside the archive, forward slashes, no leading slash. */
  path: string;
  content: Buffer | string;
  /** true: deflate; false: store. Default true (use false for incompressible padding). */
  deflate?: boolean;
  /** Unix mode recorded in the external attributes; 0o644 by default. */
  mode?: number;
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
/** DOS date for 2020-01-01 (years since 1980 << 9 | month << 5 | day); time 00:00:00. */
const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1;
const DOS_TIME = 0;
/** General-purpose flag bit 11: names are UTF-8. */
const UTF8 = 0x0800;

export function zip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const raw = typeof entry.content === 'string' ? Buffer.from(entry.content) : entry.content;
    const method = entry.deflate === false ? 0 : 8;
    const data = method === 8 ? deflateRawSync(raw) : raw;
    const name = Buffer.from(entry.path, 'utf8');
    const crc = crc32(raw);
    if (offset + 30 + name.length + data.length > 0xffffffff) throw new Error('zip: archive too large without zip64');

    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(UTF8, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    locals.push(local, name, data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL, 0);
    central.writeUInt16LE(0x031e, 4); // made by: Unix, spec 3.0 (so the external attributes hold a mode)
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(UTF8, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    // extra length, comment length, disk number, internal attributes: all zero (Buffer.alloc)
    central.writeUInt32LE((((entry.mode ?? 0o644) | 0o100000) << 16) >>> 0, 38); // regular file
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Files of a zip archive by path, read through the central directory; throws on a bad CRC or layout. */
export function unzip(archive: Buffer): Map<string, Buffer> {
  let endAt = -1;
  // The end record is the last 22 bytes plus a comment of at most 64 KiB.
  for (let i = archive.length - 22; i >= Math.max(0, archive.length - 22 - 0xffff); i--) {
    if (archive.readUInt32LE(i) === END) {
      endAt = i;
      break;
    }
  }
  if (endAt === -1) throw new Error('unzip: no end-of-central-directory record');
  const count = archive.readUInt16LE(endAt + 10);
  let at = archive.readUInt32LE(endAt + 16);
  const files = new Map<string, Buffer>();
  for (let n = 0; n < count; n++) {
    if (archive.readUInt32LE(at) !== CENTRAL) throw new Error(`unzip: bad central header at ${at}`);
    const method = archive.readUInt16LE(at + 10);
    const crc = archive.readUInt32LE(at + 16);
    const compressed = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const skip = nameLength + archive.readUInt16LE(at + 30) + archive.readUInt16LE(at + 32);
    const local = archive.readUInt32LE(at + 42);
    const path = archive.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    if (archive.readUInt32LE(local) !== LOCAL) throw new Error(`unzip: bad local header for ${path}`);
    const start = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    const data = archive.subarray(start, start + compressed);
    if (method !== 0 && method !== 8) throw new Error(`unzip: unsupported method ${method} for ${path}`);
    const content = method === 8 ? inflateRawSync(data) : Buffer.from(data);
    if (crc32(content) !== crc) throw new Error(`unzip: CRC mismatch for ${path}`);
    files.set(path, content);
    at += 46 + skip;
  }
  return files;
}
