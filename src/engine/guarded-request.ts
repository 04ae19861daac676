/**
 * Every request to an external connection goes through here, so the breaker hears about every
 * outcome of every request it admitted — a probe that nobody reports would keep it open.
 */
import { asLarderError } from '../errors.js';
import type { UpstreamClient, UpstreamRequestOptions, UpstreamResponse } from '../upstream/types.js';
import { retryAfterMs, type OriginBreaker } from './breaker.js';

export async function guardedRequest(client: UpstreamClient, breaker: OriginBreaker, url: URL, options?: UpstreamRequestOptions): Promise<UpstreamResponse> {
  breaker.admit(url.origin);
  let response: UpstreamResponse;
  try {
    response = await client.request(url, options);
  } catch (error) {
    const failure = asLarderError(error);
    breaker.recordError(url.origin, failure);
    throw failure;
  }
  breaker.recordResponse(url.origin, response.status, retryAfterMs(response.headers['retry-after'], Date.now()));
  return response;
}
