/**
 * The digests a fetched file must match, and the hashing that checks them while the bytes stream
 * past (DESIGN §3.2): nothing is kept but the running hashes. A file can be pinned three ways:
 * by the lockfile, by the index page that lists it (PyPI's `hashes`), and by larder itself (the
 * ETag of an asset is the hex digest larder verified and stored it under; Maven's
 * X-Checksum-Sha1 likewise).
 */
import { createDigester, integrityFromHex, integrityToHex, parseIntegrity, type Digester, type HexAlgorithm } from '../domain/integrity.js';

export type PinSource = 'lockfile' | 'index' | 'larder';

export interface Pin {
  /** Canonical SRI (`sha512-<base64>`). */
  integrity: string;
  source: PinSource;
}

/** What the bytes hashed to, for a pin they did not match. */
export interface Mismatch {
  pin: Pin;
  actual: string;
}

const HEX_ALGORITHMS: Readonly<Record<number, HexAlgorithm>> = { 40: 'sha1', 64: 'sha256', 128: 'sha512' };

/** A lockfile's SRI string as a pin; throws E_BAD_DIGEST when it is not a usable digest. */
export function sriPin(sri: string, source: PinSource): Pin {
  return { integrity: parseIntegrity(sri), source };
}

/** A hex digest of a known length (sha1, sha256, sha512) as a pin; undefined otherwise. */
export function hexPin(hex: string, source: PinSource): Pin | undefined {
  const clean = hex.trim().toLowerCase();
  const algorithm = HEX_ALGORITHMS[clean.length];
  if (algorithm === undefined || !/^[0-9a-f]+$/.test(clean)) return undefined;
  return { integrity: integrityFromHex(algorithm, clean), source };
}

/** An asset's ETag (`"<hex>"`, as larder sends it) as a pin; undefined for any other shape. */
export function etagPin(etag: string | undefined): Pin | undefined {
  const match = etag === undefined ? null : /^(?:W\/)?"([0-9a-fA-F]+)"$/.exec(etag.trim());
  return match?.[1] === undefined ? undefined : hexPin(match[1], 'larder');
}

/** The hex form of a pin, for comparing with the hashes an index lists. */
export function pinHex(pin: Pin): { algorithm: string; hex: string } {
  return integrityToHex(pin.integrity);
}

/** Hashes a stream once per algorithm its pins use, and checks every pin at the end. */
export class DigestSink {
  readonly #pins: Pin[];
  readonly #digesters = new Map<string, Digester>();
  #bytes = 0;

  constructor(pins: ReadonlyArray<Pin | undefined>) {
    const seen = new Set<string>();
    this.#pins = [];
    for (const pin of pins) {
      if (pin === undefined || seen.has(`${pin.source} ${pin.integrity}`)) continue;
      seen.add(`${pin.source} ${pin.integrity}`);
      this.#pins.push(pin);
      const algorithm = integrityToHex(pin.integrity).algorithm;
      if (!this.#digesters.has(algorithm)) this.#digesters.set(algorithm, createDigester(algorithm));
    }
  }

  get bytes(): number {
    return this.#bytes;
  }

  update(chunk: Uint8Array): void {
    this.#bytes += chunk.length;
    for (const digester of this.#digesters.values()) digester.update(chunk);
  }

  /** The first pin the bytes do not match (lockfile pins first), or undefined. Call once, at the end. */
  mismatch(): Mismatch | undefined {
    const actual = new Map([...this.#digesters].map(([algorithm, digester]) => [algorithm, digester.digest()]));
    const order: PinSource[] = ['lockfile', 'index', 'larder'];
    for (const source of order) {
      for (const pin of this.#pins.filter((candidate) => candidate.source === source)) {
        const got = actual.get(integrityToHex(pin.integrity).algorithm);
        if (got !== undefined && got !== pin.integrity) return { pin, actual: got };
      }
    }
    return undefined;
  }
}
