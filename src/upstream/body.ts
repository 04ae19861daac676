/**
 * The body stream handed to consumers. undici reports failures after the headers (a reset or a
 * close mid-body, a body timeout, a Content-Length mismatch) as errors on the body; this wrapper
 * turns them into LarderErrors with the right code so the engine never sees an undici error,
 * and a truncated body always ends in an error, never in a clean `end`.
 */
import { PassThrough, type Readable } from 'node:stream';
import { toUpstreamError } from './transport-errors.js';

export interface BodyContext {
  url: URL;
  method: string;
  bodyTimeoutMs: number;
  signal?: AbortSignal;
}

export function wrapBody(body: Readable, context: BodyContext): Readable {
  const out = new PassThrough();
  // The body can fail before the consumer attaches (a reset right after the headers, while the
  // caller is still between awaits). Consumers learn of it through for-await, pipeline or
  // finished(), which read the stream's `errored` state; this listener only keeps an error
  // that nobody is listening for yet from crashing the process.
  out.on('error', () => undefined);
  body.on('error', (err: unknown) => {
    // An abort by the caller is theirs to recognise: pass their reason through untranslated.
    const reason: unknown = context.signal?.aborted === true ? context.signal.reason : undefined;
    out.destroy(
      reason instanceof Error
        ? reason
        : toUpstreamError(err, {
            url: context.url,
            method: context.method,
            phase: 'response',
            timeoutMs: context.bodyTimeoutMs,
          }),
    );
  });
  // A consumer that destroys the wrapper, or stops early, must release the upstream socket:
  // an undici body left unconsumed holds its connection until the body timeout.
  out.on('close', () => {
    if (!body.destroyed) body.destroy();
  });
  body.pipe(out);
  return out;
}
