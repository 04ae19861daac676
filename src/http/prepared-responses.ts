/**
 * Metadata answers kept ready to send (issue 6): the bytes, ETag and headers of a document that
 * was built from upstream documents still fresh and from the records as they were. A hit skips
 * the records, the JSON parse, the union and the serialisation — the whole cost of a warm
 * packument — and is exactly what the slow path would have built, because it is dropped the
 * moment any of its inputs can have changed:
 * - a record of its package changed (retention, status, cached metadata: `changed()`, called by
 *   the record stores);
 * - the upstream documents it used went past their TTL (`freshUntil`);
 * - the config was reloaded (`config`, the running repositories' identity).
 * Bounded by bytes, least recently used first out, so memory stays flat however many packages.
 */
import { createHash } from 'node:crypto';

export interface PreparedResponse {
  body: Buffer;
  etag: string;
  contentType: string;
  /** Extra response headers (Vary, Cache-Control). */
  headers: Record<string, string>;
}

interface Entry {
  response: PreparedResponse;
  packageKey: string;
  epoch: number;
  config: object;
  freshUntil: number;
}

/** The ticket a request takes before it builds a response: what the response was built from. */
export interface PreparationTicket {
  key: string;
  packageKey: string;
  epoch: number;
  config: object;
}

/** A strong ETag of the body: clients revalidate against larder with it. */
export function bodyEtag(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

export class PreparedResponses {
  readonly #maxBytes: number;
  readonly #maxEntryBytes: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  /** Per package: how many changes it has seen. A response built before a change is never kept. */
  readonly #epochs = new Map<string, number>();
  #bytes = 0;

  constructor(options: { maxBytes: number; now?: () => number }) {
    this.#maxBytes = options.maxBytes;
    // One huge document must not push out everything else.
    this.#maxEntryBytes = Math.floor(options.maxBytes / 4);
    this.#now = options.now ?? Date.now;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** A package's records changed: every response built from them is stale. */
  changed(format: string, pkg: string): void {
    const packageKey = `${format}\u0000${pkg}`;
    this.#epochs.set(packageKey, (this.#epochs.get(packageKey) ?? 0) + 1);
  }

  /** Takes a ticket for `key` (call before reading any input), and the ready response if it still holds. */
  lookup(key: string, format: string, pkg: string, config: object): { ticket: PreparationTicket; ready?: PreparedResponse } {
    const packageKey = `${format}\u0000${pkg}`;
    const ticket = { key, packageKey, epoch: this.#epochs.get(packageKey) ?? 0, config };
    const entry = this.#entries.get(key);
    if (entry === undefined) return { ticket };
    if (entry.epoch !== ticket.epoch || entry.config !== config || this.#now() >= entry.freshUntil) {
      this.#drop(key, entry);
      return { ticket };
    }
    // Map order is insertion order: re-inserting makes it the most recently used.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return { ticket, ready: entry.response };
  }

  /** Keeps a response built on `ticket`, unless its package changed meanwhile or it is too big. */
  keep(ticket: PreparationTicket, response: PreparedResponse, freshUntil: number | undefined): void {
    if (freshUntil === undefined || freshUntil <= this.#now()) return;
    if ((this.#epochs.get(ticket.packageKey) ?? 0) !== ticket.epoch) return;
    const size = response.body.length + ticket.key.length;
    if (size > this.#maxEntryBytes) return;
    const previous = this.#entries.get(ticket.key);
    if (previous !== undefined) this.#drop(ticket.key, previous);
    this.#entries.set(ticket.key, { response, packageKey: ticket.packageKey, epoch: ticket.epoch, config: ticket.config, freshUntil });
    this.#bytes += size;
    for (const [key, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#drop(key, entry);
    }
  }

  #drop(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.response.body.length + key.length;
  }
}
