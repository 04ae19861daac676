/**
 * Parsed metadata documents, kept for a while by the digest of the text they came from. One npm
 * install reads a package's document several times within seconds — the packument request, each
 * tarball's lookup, the prefetch of its dependants — and parsing was the largest share of larder's
 * CPU during a cold install (bench/, issue 6). Keyed by content, an entry can never be stale, so
 * nothing needs to invalidate it; it is only bounded, by the length of the source texts held.
 *
 * Documents handed out are shared: every consumer builds new objects (union, merge, rewrite)
 * and never changes the one it was given.
 */
import type { FormatProtocol } from '../formats/protocol.js';

/** Source characters held; the parsed objects take two to three times that in the heap. */
export const DEFAULT_DECODED_BUDGET = 4 * 1024 * 1024;
/** Larger documents are parsed each time: one would push out dozens of ordinary ones. */
const MAX_ENTRY_SHARE = 4;

interface Held {
  doc: unknown;
  size: number;
}

export class DecodedDocuments {
  readonly #budget: number;
  /** Map order is recency order: a hit moves its entry to the end. */
  readonly #held = new Map<string, Held>();
  #size = 0;

  constructor(budget = DEFAULT_DECODED_BUDGET) {
    this.#budget = budget;
  }

  /** `protocol.decodeStored(body)`, or the document decoded from the same text before. */
  decode<Doc>(protocol: FormatProtocol<Doc>, pkg: string, body: string, bodyDigest: string): Doc {
    const key = `${protocol.format}\u0000${pkg}\u0000${bodyDigest}`;
    const held = this.#held.get(key);
    if (held !== undefined) {
      this.#held.delete(key);
      this.#held.set(key, held);
      return held.doc as Doc; // the key starts with the format, and one format has one Doc type
    }
    const doc = protocol.decodeStored(body, pkg);
    // Stored before the digest existed (bodyDigest ''), or too large: not kept.
    if (bodyDigest !== '' && body.length <= this.#budget / MAX_ENTRY_SHARE) this.#keep(key, { doc, size: body.length });
    return doc;
  }

  #keep(key: string, entry: Held): void {
    this.#held.set(key, entry);
    this.#size += entry.size;
    for (const [oldest, held] of this.#held) {
      if (this.#size <= this.#budget) break;
      this.#held.delete(oldest);
      this.#size -= held.size;
    }
  }
}
