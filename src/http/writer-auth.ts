/**
 * Publishing always needs a token (issue 9 §3), whether or not `auth.required` makes reading
 * need one too: the token's subject is who published. Taken the way each client sends it
 * (auth.ts): npm's Bearer `_authToken`, twine's and Maven's basic auth with the token as password.
 */
import type { Publisher } from '../engine/publishing/index.js';
import { AUTH_CHALLENGE, type Authenticator } from './auth.js';
import type { Exchange } from './exchange.js';

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
