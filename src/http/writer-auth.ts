/**
 * Publishing always needs a token (issue 9 §3), whether or not `auth.required` makes reading
 * need one too: the token's subject is who published. Taken the way each client sends it
 * (auth.ts): npm's Bearer `_authToken`, twine's and Maven's basic auth with the token as password.
 */
import type { Publisher } from '../engine/publishing/index.js';
import { LarderError } from '../errors.js';
import { AUTH_CHALLENGE, type Authenticator } from './auth.js';
import type { Exchange } from './exchange.js';

/**
 * The publisher's name, for a write (`what`: "PUT is a deploy") into `repository`. A repository
 * that takes no publishes answers 405 before any token is asked for: whoever asks, the write is
 * not served there, and the answer says how to change that. Not 403, which Maven's wagon reports
 * as "Authorization failed" and which sends the user after credentials.
 */
export function admitWriter(deps: PublishingDeps, exchange: Exchange, repository: string, what: string): string {
  if (!deps.publisher.accepts(repository)) {
    throw new LarderError('E_METHOD_NOT_ALLOWED', `${what}, and repository ${repository} does not accept publishes; set publish: true on it in the config, or publish to a repository that does`, {
      operation: 'publish.admit',
    });
  }
  return requireWriter(exchange, deps.authenticate);
}

/** The publisher's name; throws E_UNAUTHORIZED (401 with a challenge) without a valid token. */
export function requireWriter(exchange: Exchange, authenticate: Authenticator): string {
  // Already checked by the router when every request needs a token.
  if (exchange.facts.user !== undefined) return exchange.facts.user;
  try {
    const user = authenticate(exchange.req).sub;
    exchange.facts.user = user;
    return user;
  } catch (error) {
    exchange.res.setHeader('www-authenticate', AUTH_CHALLENGE);
    throw error;
  }
}

/** What a format handler needs to take publishes. */
export interface PublishingDeps {
  publisher: Publisher;
  authenticate: Authenticator;
}
