/**
 * One GET through the daemon's client-facing routes, retried the way a patient client would:
 * `404 E_INGESTION_IN_PROGRESS` (the daemon's fetch outlived its ingestion deadline and goes on in
 * the background) is asked again after a pause until the ingestion patience runs out; 502, 503
 * and 504, a broken body and no answer at all are retried a few times with backoff, honouring
 * Retry-After. Everything else (a plain 404 included) is final.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { describeCause, header, readAnswer, type DaemonAnswer, type DaemonHttp, type ResponseHeaders } from './daemon-http.js';
import { DigestSink, etagPin, hexPin, type Pin } from './digests.js';
import { WarmFailure, asWarmFailure, failureFromAnswer } from './failures.js';

export interface RetryPolicy {
  /** Retries of a 502/503/504, a broken body or a failed connection. */
  retries: number;
  /** First backoff; doubled on each retry. */
  backoffMs: number;
  /** The longest single wait, Retry-After included. */
  maxWaitMs: number;
  /** Pause before asking again for a version the daemon is still ingesting (when it sends no Retry-After). */
  ingestionPauseMs: number;
  /** How long to keep asking for one file the daemon is still ingesting. */
  ingestionPatienceMs: number;
  /** How long to wait for the daemon to record a fetched version as retained. */
  retentionWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  retries: 3,
  backoffMs: 500,
  maxWaitMs: 30_000,
  ingestionPauseMs: 2_000,
  ingestionPatienceMs: 10 * 60_000,
  retentionWaitMs: 10_000,
});

export interface FetchContext {
  http: DaemonHttp;
  policy: RetryPolicy;
  /** Told of every body chunk's size as it arrives (progress). */
  onBytes?: (bytes: number) => void;
  now?: () => number;
}

export interface Fetched<T> {
  value: T;
  headers: ResponseHeaders;
  /** How many times the request was asked again. */
  retries: number;
}

const MIN_WAIT_MS = 20;
const RETRIED_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/** A retry of this kind may succeed: the bytes broke off or came out wrong on the way. */
function transient(failure: WarmFailure): boolean {
  return failure.kind === 'transfer' || failure.kind === 'daemon';
}

/**
 * GETs `target` and hands a 200 to `consume` (which must read or destroy the body); retries as
 * the policy says. `what` names the request in messages. Throws a WarmFailure.
 */
export async function fetchThrough<T>(ctx: FetchContext, target: URL, what: string, accept: string, consume: (res: Dispatcher.ResponseData) => Promise<T>): Promise<Fetched<T>> {
  const now = ctx.now ?? Date.now;
  const started = now();
  let transientTries = 0;
  let retries = 0;
  const again = async (waitMs: number): Promise<void> => {
    retries += 1;
    // A floor, so `Retry-After: 0` cannot turn patience into a busy loop.
    await delay(Math.max(MIN_WAIT_MS, Math.min(waitMs, ctx.policy.maxWaitMs)));
  };
  const backoff = (): number => ctx.policy.backoffMs * 2 ** (transientTries - 1);
  for (;;) {
    let failure: WarmFailure;
    let answer: DaemonAnswer | undefined;
    try {
      const res = await ctx.http.get(target, accept);
      if (res.statusCode === 200) {
        try {
          return { value: await consume(res), headers: res.headers, retries };
        } catch (error) {
          res.body.destroy();
          throw error instanceof WarmFailure ? error : new WarmFailure('transfer', `the response for ${what} broke off: ${describeCause(error)}`, { cause: error });
        }
      }
      answer = await readAnswer(res);
      failure = failureFromAnswer(answer, what);
    } catch (error) {
      failure = asWarmFailure(error);
    }
    if (answer?.status === 404 && answer.code === 'E_INGESTION_IN_PROGRESS') {
      const waited = now() - started;
      if (waited >= ctx.policy.ingestionPatienceMs) {
        throw new WarmFailure('ingestion-timeout', `larder was still ingesting ${what} after ${Math.round(waited / 1000)} s of asking again`, { details: { retries } });
      }
      await again(retryAfterMs(answer.headers, now()) ?? ctx.policy.ingestionPauseMs);
      continue;
    }
    const retryable = answer === undefined ? transient(failure) : RETRIED_STATUSES.has(answer.status) && answer.code !== 'E_INTEGRITY_MISMATCH';
    if (!retryable || transientTries >= ctx.policy.retries) throw failure;
    transientTries += 1;
    await again((answer === undefined ? undefined : retryAfterMs(answer.headers, now())) ?? backoff());
  }
}

/** Retry-After as milliseconds from now: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(headers: ResponseHeaders, now: number): number | undefined {
  const value = header(headers, 'retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface StreamedFile {
  bytes: number;
  /** The daemon's X-Cache: `hit` when it already had the file. */
  cache: string | undefined;
}

/**
 * Streams a 200's body into hashes and drops the bytes, then checks the pins: the caller's
 * (lockfile, index page) and the daemon's own (ETag, X-Checksum-Sha1). A lockfile pin that does
 * not match is the lockfile's problem; any other mismatch is a broken transfer.
 */
export async function digestBody(res: Dispatcher.ResponseData, pins: Pin[], what: string, onBytes?: (bytes: number) => void): Promise<StreamedFile> {
  const sha1 = header(res.headers, 'x-checksum-sha1');
  const sink = new DigestSink([...pins, etagPin(header(res.headers, 'etag')), sha1 === undefined ? undefined : hexPin(sha1, 'larder')]);
  for await (const chunk of res.body) {
    const bytes = chunk as Buffer;
    sink.update(bytes);
    onBytes?.(bytes.length);
  }
  const mismatch = sink.mismatch();
  if (mismatch?.pin.source === 'lockfile') {
    throw new WarmFailure(
      'lockfile-mismatch',
      `${what}: the lockfile pins ${mismatch.pin.integrity} but the registry serves ${mismatch.actual} (larder checked those bytes against the registry's own metadata)`,
      { details: { expected: mismatch.pin.integrity, actual: mismatch.actual } },
    );
  }
  if (mismatch !== undefined) {
    const by = mismatch.pin.source === 'index' ? 'the index page lists' : 'larder serves it under';
    throw new WarmFailure('transfer', `${what}: ${by} ${mismatch.pin.integrity} but the bytes received hash to ${mismatch.actual}`, { details: { expected: mismatch.pin.integrity, actual: mismatch.actual } });
  }
  return { bytes: sink.bytes, cache: header(res.headers, 'x-cache') };
}
