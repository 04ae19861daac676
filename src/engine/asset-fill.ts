/**
 * One upstream fetch of one asset, teed to the client and to the blob store at once.
 *
 * - The digest is checked in the stream. The client's copy holds back its last chunk until the
 *   digest checks out, so a mismatch reaches the client as a broken response, never a clean one.
 * - Response headers wait until the first `verifyWindowBytes` have arrived (or the whole body,
 *   when smaller): most artifacts fit, so a mismatch is a clean 502 before any byte is sent,
 *   while memory per fill stays bounded however large the artifact is.
 * - The fill outlives the client: a client that hangs up (or is answered by the ingestion
 *   deadline) is detached and the store write goes on. A store failure never fails the client.
 */
import { createHash, type Hash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type { Logger } from 'pino';
import { LarderError, asLarderError, describeError } from '../errors.js';
import type { AssetLocation } from '../formats/protocol.js';
import type { BlobStore, BlobWrite, StoredBlob } from '../store/types.js';
import type { UpstreamClient, UpstreamResponse } from '../upstream/types.js';
import { isOriginFailure, type OriginBreaker } from './breaker.js';
import { guardedRequest } from './guarded-request.js';

export interface FillSubject {
  package: string;
  version: string;
}

export interface FillStart {
  size: number | undefined;
  body: Readable;
}

export interface AssetFill {
  /** Resolves when response headers can be sent; rejects when nothing should be sent. */
  ready: Promise<FillStart>;
  /** Resolves once the verified blob is in the store. */
  committed: Promise<StoredBlob>;
}

export interface AssetFillerDeps {
  client: UpstreamClient;
  blobs: BlobStore;
  breaker: OriginBreaker;
  log: Logger;
  verifyWindowBytes?: number;
}

const DEFAULT_VERIFY_WINDOW = 1024 * 1024;
/**
 * How far a client may fall behind the upstream before it is cut loose. The fill runs at the
 * upstream's pace, never the slowest client's: a client that stalls would otherwise hold the
 * store write (and every other client waiting for it) hostage. A cut client's retry is served
 * from the store at its own pace.
 */
const MAX_CLIENT_LAG = 8 * 1024 * 1024;

export class AssetFiller {
  readonly #deps: AssetFillerDeps;

  constructor(deps: AssetFillerDeps) {
    this.#deps = deps;
  }

  start(location: AssetLocation, subject: FillSubject): AssetFill {
    let resolveReady!: (start: FillStart) => void;
    let rejectReady!: (error: LarderError) => void;
    const ready = new Promise<FillStart>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    const committed = this.#run(location, subject, { resolve: resolveReady, reject: rejectReady });
    ready.catch(() => undefined); // the caller may never look at `ready` (a follower); its error is also `committed`'s
    return { ready, committed };
  }

  async #run(location: AssetLocation, subject: FillSubject, ready: { resolve: (s: FillStart) => void; reject: (e: LarderError) => void }): Promise<StoredBlob> {
    const { client, blobs, breaker } = this.#deps;
    const origin = location.url.origin;
    let response: UpstreamResponse | undefined;
    try {
      response = await guardedRequest(client, breaker, location.url);
      if (response.status !== 200) {
        throw new LarderError(response.status === 404 ? 'E_NOT_FOUND' : 'E_UPSTREAM_STATUS', `${origin} answered ${response.status} for ${subject.package}@${subject.version}`, {
          operation: 'asset.fetch',
          details: { url: location.url.href, status: response.status },
        });
      }
      const declared = Number(response.headers['content-length']);
      const size = Number.isSafeInteger(declared) && declared >= 0 ? declared : location.size;
      const write = blobs.write({ integrity: location.integrity, size });
      const tee = new Tee(write, location.integrity, subject, this.#deps.verifyWindowBytes ?? DEFAULT_VERIFY_WINDOW, size, ready, this.#deps.log);
      await tee.pump(response.body).catch((error: unknown) => {
        const failure = asLarderError(error);
        if (isOriginFailure(failure)) breaker.failed(origin, failure.message);
        throw failure;
      });
      return await write.committed;
    } catch (error) {
      response?.body.destroy();
      const failure = asLarderError(error);
      ready.reject(failure);
      throw failure;
    }
  }
}

/** Copies an upstream body to the store and (while it listens) the client, verifying the digest. */
class Tee {
  readonly #hash: Hash;
  readonly #window: Buffer[] = [];
  #windowBytes = 0;
  #client: PassThrough | undefined;
  #held: Buffer | undefined;
  #storeFailed = false;
  /** Set when we abort the store write ourselves, so that is not logged as a store failure. */
  #aborting = false;

  constructor(
    private readonly write: BlobWrite,
    private readonly expected: string,
    private readonly subject: FillSubject,
    private readonly windowLimit: number,
    private readonly size: number | undefined,
    private readonly ready: { resolve: (s: FillStart) => void; reject: (e: LarderError) => void },
    private readonly log: Logger,
  ) {
    this.#hash = createHash(expected.slice(0, expected.indexOf('-')));
    // Destroying the write on a failure emits 'error'; the failure is reported by `committed`.
    write.stream.on('error', () => undefined);
    write.committed.catch((error: unknown) => {
      if (this.#storeFailed || this.#aborting) return;
      this.#storeFailed = true;
      this.log.error({ err: describeError(error), package: subject.package, version: subject.version }, 'store write failed; the client is still served');
    });
  }

  async pump(body: Readable): Promise<void> {
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        this.#hash.update(chunk);
        this.#toClient(chunk);
        await this.#toStore(chunk);
      }
    } catch (error) {
      const failure = asLarderError(error);
      this.#abort(failure);
      throw failure;
    }
    const actual = `${this.expected.slice(0, this.expected.indexOf('-'))}-${this.#hash.digest('base64')}`;
    if (actual !== this.expected) {
      const mismatch = new LarderError(
        'E_INTEGRITY_MISMATCH',
        `integrity mismatch for ${this.subject.package}@${this.subject.version}: expected ${this.expected}, got ${actual}; not retained`,
        { operation: 'asset.verify', details: { package: this.subject.package, version: this.subject.version, expected: this.expected, actual } },
      );
      this.#abort(mismatch);
      throw mismatch;
    }
    this.#finishClient();
    if (!this.#storeFailed) this.write.stream.end();
  }

  #toStore(chunk: Buffer): Promise<void> {
    if (this.#storeFailed || this.write.stream.destroyed) return Promise.resolve();
    if (this.write.stream.write(chunk)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.write.stream.off('drain', done);
        this.write.stream.off('close', done);
        resolve();
      };
      this.write.stream.on('drain', done);
      this.write.stream.on('close', done);
    });
  }

  /** Before the window fills, chunks collect; after it, all but the last go straight out. */
  #toClient(chunk: Buffer): void {
    if (this.#client === undefined) {
      this.#window.push(chunk);
      this.#windowBytes += chunk.length;
      if (this.#windowBytes >= this.windowLimit) this.#openClient();
      return;
    }
    const previous = this.#held;
    this.#held = chunk;
    const client = this.#client;
    if (previous === undefined || client.destroyed) return;
    client.write(previous);
    if (client.writableLength > MAX_CLIENT_LAG) {
      this.log.info({ package: this.subject.package, version: this.subject.version, lagBytes: client.writableLength }, 'client fell too far behind the upstream; cut loose, the fill goes on');
      client.destroy(new LarderError('E_UPSTREAM_TIMEOUT', 'the client read too slowly and was cut loose; retry to be served from the store', { operation: 'asset.tee' }));
    }
  }

  #openClient(): void {
    const client = new PassThrough({ highWaterMark: 256 * 1024 });
    // A client that hangs up is detached: the fill goes on into the store.
    client.on('error', () => undefined);
    this.#client = client;
    const buffered = this.#window.splice(0);
    this.#held = buffered.pop();
    for (const chunk of buffered) client.write(chunk);
    this.ready.resolve({ size: this.size, body: client });
  }

  #finishClient(): void {
    if (this.#client === undefined) this.#openClient();
    const client = this.#client;
    if (client === undefined || client.destroyed) return;
    if (this.#held !== undefined) client.write(this.#held);
    this.#held = undefined;
    client.end();
  }

  #abort(error: LarderError): void {
    this.#aborting = true;
    this.write.stream.destroy(error);
    if (this.#client === undefined) this.ready.reject(error);
    else this.#client.destroy(error);
  }
}
