/**
 * Which redirects the upstream client follows. undici `fetch` follows redirects to any host
 * (DESIGN §5), which would let an upstream send us, and any credentials we add, elsewhere; so
 * redirects are ours to follow, under three rules: the same origin (scheme, host, port) as the
 * URL first asked for, never from https to http, and at most MAX_REDIRECTS hops.
 */
import { LarderError } from '../errors.js';
import { redactUrl, UPSTREAM_OPERATION } from './transport-errors.js';

export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

export function isRedirectStatus(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

function refuse(message: string, from: URL, location: string): LarderError {
  return new LarderError('E_UPSTREAM_BAD_RESPONSE', message, {
    operation: UPSTREAM_OPERATION,
    details: { url: redactUrl(from), location },
  });
}

/**
 * The URL to follow for a redirect from `from` (reached from `original` after `hopsTaken`
 * redirects), or a LarderError (E_UPSTREAM_BAD_RESPONSE) saying why larder will not follow it.
 */
export function followRedirect(original: URL, from: URL, location: string, hopsTaken: number): URL {
  if (hopsTaken >= MAX_REDIRECTS) {
    throw refuse(
      `The upstream ${original.origin} redirected ${redactUrl(original)} more than ${MAX_REDIRECTS} times ` +
        `(last hop: ${redactUrl(from)} → ${location}). larder stops there; check the connection's url in the config.`,
      from,
      location,
    );
  }
  let next: URL;
  try {
    next = new URL(location, from);
  } catch (err) {
    throw new LarderError(
      'E_UPSTREAM_BAD_RESPONSE',
      `The upstream ${from.origin} sent a redirect from ${redactUrl(from)} to an invalid location: ${JSON.stringify(location)}.`,
      { operation: UPSTREAM_OPERATION, cause: err, details: { url: redactUrl(from), location } },
    );
  }
  if (from.protocol === 'https:' && next.protocol === 'http:') {
    throw refuse(
      `The upstream redirected ${redactUrl(from)} to ${redactUrl(next)}, a downgrade from https to http. ` +
        'larder never follows such a redirect; fix the connection url in the config if the registry moved.',
      from,
      location,
    );
  }
  if (next.origin !== original.origin) {
    throw refuse(
      `The upstream redirected ${redactUrl(from)} to ${redactUrl(next)}, another origin. ` +
        `larder only follows redirects within ${original.origin}; if the registry moved, point the connection url at the new address.`,
      from,
      location,
    );
  }
  return next;
}
