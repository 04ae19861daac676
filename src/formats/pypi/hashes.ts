/**
 * File hashes as the simple API spells them: `{ algorithm: lowercase hex }`, or a
 * `name=hex` pair in an href fragment and in `data-core-metadata`. Invalid ones are dropped,
 * never repaired: a digest larder cannot trust is a digest it does not have.
 */
import { integrityToHex } from '../../domain/integrity.js';
import { isLarderError } from '../../errors.js';

/** Hex digest lengths of the hashlib algorithms an index may use. */
const HEX_LENGTHS: Readonly<Record<string, number>> = {
  md5: 32,
  sha1: 40,
  sha224: 56,
  sha256: 64,
  sha384: 96,
  sha512: 128,
  sha3_224: 56,
  sha3_256: 64,
  sha3_384: 96,
  sha3_512: 128,
  blake2b: 128,
  blake2s: 64,
};

/** Which hash an HTML href carries: sha256 (what pip and larder check) first, then the strongest. */
const PREFERENCE = ['sha256', 'sha512', 'sha3_512', 'blake2b', 'sha384', 'sha3_384', 'sha3_256', 'blake2s', 'sha224', 'sha3_224', 'sha1', 'md5'];

/** Starts with a letter, so `__proto__` and friends are never keys. */
const ALGORITHM_NAME = /^[a-z][a-z0-9_]{0,31}$/;
const HEX = /^[0-9a-f]+$/;

export type Hashes = Record<string, string>;

/** One hash, checked: the lowercase name and hex, or undefined when either is invalid. */
export function cleanHash(name: string, value: string): [string, string] | undefined {
  const algorithm = name.toLowerCase();
  const hex = value.trim().toLowerCase();
  if (!ALGORITHM_NAME.test(algorithm) || !HEX.test(hex)) return undefined;
  const wanted = HEX_LENGTHS[algorithm];
  if (wanted !== undefined ? hex.length !== wanted : hex.length % 2 !== 0 || hex.length < 32 || hex.length > 256) return undefined;
  return [algorithm, hex];
}

/** The valid hashes of a JSON `hashes` object (anything else gives `{}`). */
export function cleanHashes(value: unknown): Hashes {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const entries: Array<[string, string]> = [];
  for (const [name, hex] of Object.entries(value)) {
    if (typeof hex !== 'string') continue;
    const clean = cleanHash(name, hex);
    if (clean !== undefined && !entries.some(([seen]) => seen === clean[0])) entries.push(clean);
  }
  return Object.fromEntries(entries);
}

/** A `name=hex` pair (href fragment, `data-core-metadata`) as hashes; `{}` when it is not one. */
export function parseHashPair(text: string): Hashes {
  const match = /^([A-Za-z0-9_]+)=([0-9A-Fa-f]+)$/.exec(text.trim());
  if (match === null) return {};
  const clean = cleanHash(match[1] ?? '', match[2] ?? '');
  return clean === undefined ? {} : Object.fromEntries([clean]);
}

/** The hash an href fragment should carry, or undefined when there is none. */
export function preferredHash(hashes: Hashes): [string, string] | undefined {
  const known = PREFERENCE.find((name) => hashes[name] !== undefined);
  const name = known ?? Object.keys(hashes).sort()[0];
  const hex = name === undefined ? undefined : hashes[name];
  return name === undefined || hex === undefined ? undefined : [name, hex];
}

/** An SRI string (a retained asset's digest) as simple-API hashes; undefined when unreadable. */
export function hashesFromIntegrity(integrity: string): Hashes | undefined {
  try {
    const { algorithm, hex } = integrityToHex(integrity);
    return { [algorithm]: hex };
  } catch (error) {
    // A stored digest that does not parse cannot describe bytes larder serves: say nothing.
    if (isLarderError(error, 'E_BAD_DIGEST')) return undefined;
    throw error;
  }
}

export function sameHashes(a: Hashes, b: Hashes): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
