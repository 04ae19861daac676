/**
 * Digest strings, parsed and checked here because cacache stores junk unverified (DESIGN §5:
 * `"garbage"`, `"sha512-"` and `md5-…` all pass through it). Every digest larder hands to the
 * blob store comes out of `parseIntegrity` in one normalised form, so two spellings of the same
 * digest are the same store key.
 *
 * Pure code apart from hashing; no I/O.
 */
import { createHash, type Hash } from 'node:crypto';
import { LarderError } from '../errors.js';

export const INTEGRITY_ALGORITHMS = ['sha1', 'sha256', 'sha384', 'sha512'] as const;
export type IntegrityAlgorithm = (typeof INTEGRITY_ALGORITHMS)[number];
export type HexAlgorithm = 'sha1' | 'sha256' | 'sha512';

/** Digest length in bytes, per algorithm. */
const DIGEST_BYTES: Record<IntegrityAlgorithm, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/** Weakest first: when a string carries several hashes, the last algorithm present wins. */
const STRENGTH: readonly IntegrityAlgorithm[] = INTEGRITY_ALGORITHMS;

/** One SRI hash: `<algorithm>-<standard base64>`, padding optional, no `?options`. */
const HASH_PATTERN = /^([a-z0-9]+)-([A-Za-z0-9+/]+={0,2})$/;

const SHOWN_CHARS = 120;

function isAlgorithm(value: string): value is IntegrityAlgorithm {
  return (INTEGRITY_ALGORITHMS as readonly string[]).includes(value);
}

function badDigest(value: string, why: string): LarderError {
  const shown = value.length > SHOWN_CHARS ? `${value.slice(0, SHOWN_CHARS)}…` : value;
  return new LarderError('E_BAD_DIGEST', `Invalid integrity string ${JSON.stringify(shown)}: ${why}`, {
    operation: 'integrity.parse',
  });
}

interface ParsedHash {
  algorithm: IntegrityAlgorithm;
  /** Canonical `<algorithm>-<padded base64>`. */
  sri: string;
  bytes: Buffer;
}

function parseHash(token: string, whole: string): ParsedHash {
  const match = HASH_PATTERN.exec(token);
  if (match === null) {
    throw badDigest(whole, `${JSON.stringify(token)} is not <algorithm>-<base64 digest>`);
  }
  const [, algorithm = '', base64 = ''] = match;
  if (!isAlgorithm(algorithm)) {
    throw badDigest(whole, `unsupported algorithm "${algorithm}" (use one of ${INTEGRITY_ALGORITHMS.join(', ')})`);
  }
  const bytes = Buffer.from(base64, 'base64');
  const canonical = bytes.toString('base64');
  if (bytes.length !== DIGEST_BYTES[algorithm]) {
    throw badDigest(whole, `a ${algorithm} digest is ${DIGEST_BYTES[algorithm]} bytes, this one decodes to ${bytes.length}`);
  }
  // Padding may be missing, but a digest whose spare bits are set decodes to the same bytes
  // without being the string any hashing tool produces: refuse it rather than guess.
  if (canonical.replace(/=+$/, '') !== base64.replace(/=+$/, '')) {
    throw badDigest(whole, 'the base64 is not in canonical form');
  }
  return { algorithm, sri: `${algorithm}-${canonical}`, bytes };
}

/**
 * Checks an SRI string (`sha512-<base64>`; sha384, sha256 and sha1 too) and returns it as one
 * hash in canonical base64. Several space-separated hashes are allowed: the strongest wins.
 * Anything unparseable, md5, an empty digest, a wrong length or `?options` throws E_BAD_DIGEST.
 */
export function parseIntegrity(value: string): string {
  return strongestHash(value).sri;
}

function strongestHash(value: string): ParsedHash {
  const tokens = value.trim().split(/\s+/).filter((token) => token !== '');
  if (tokens.length === 0) {
    throw badDigest(value, 'it is empty');
  }
  const hashes = tokens.map((token) => parseHash(token, value));
  const strongest = hashes.reduce((best, hash) =>
    STRENGTH.indexOf(hash.algorithm) > STRENGTH.indexOf(best.algorithm) ? hash : best,
  );
  return strongest;
}

/** A hex digest (npm `shasum`, PyPI `#sha256=`, Maven `.sha1`) as an SRI string. */
export function integrityFromHex(algorithm: HexAlgorithm, hex: string): string {
  const digest = hex.trim();
  const wanted = DIGEST_BYTES[algorithm] * 2;
  if (!/^[0-9a-fA-F]*$/.test(digest) || digest.length !== wanted) {
    throw badDigest(`${algorithm}:${hex}`, `a hex ${algorithm} digest is ${wanted} hex digits`);
  }
  return `${algorithm}-${Buffer.from(digest, 'hex').toString('base64')}`;
}

/** The algorithm and lowercase hex digest of an SRI string, for messages and hex sidecars. */
export function integrityToHex(sri: string): { algorithm: IntegrityAlgorithm; hex: string } {
  const { algorithm, bytes } = strongestHash(sri);
  return { algorithm, hex: bytes.toString('hex') };
}

/** The algorithm of a (valid) SRI string. */
export function integrityAlgorithm(sri: string): IntegrityAlgorithm {
  return strongestHash(sri).algorithm;
}

/** Hashes a body chunk by chunk and names the result in SRI form. */
export interface Digester {
  readonly algorithm: IntegrityAlgorithm;
  /** Bytes seen so far. */
  readonly size: number;
  update(chunk: Uint8Array): void;
  /** The SRI string of everything seen; call once, at the end. */
  digest(): string;
}

/**
 * A digester in the algorithm of `expected` (an SRI string) or the one named, so that
 * `digester.digest() === parseIntegrity(expected)` exactly when the bytes match and the engine
 * can say "expected X, got Y" in the same algorithm.
 */
export function createDigester(expectedOrAlgorithm: string): Digester {
  const algorithm = isAlgorithm(expectedOrAlgorithm) ? expectedOrAlgorithm : integrityAlgorithm(expectedOrAlgorithm);
  const hash: Hash = createHash(algorithm);
  let size = 0;
  return {
    algorithm,
    get size() {
      return size;
    },
    update(chunk) {
      size += chunk.length;
      hash.update(chunk);
    },
    digest() {
      return `${algorithm}-${hash.digest('base64')}`;
    },
  };
}
