/**
 * Who may use larder when `auth.required` is on (issue 7 §5): a token from `larder token create`,
 * taken the way each client sends one — `Authorization: Bearer TOKEN` (npm's `_authToken`) or
 * basic auth with the token as the password (pip's `https://user:TOKEN@host`, Maven's
 * settings.xml server password; a token given as the user name with no password works too).
 * Nothing else grants access: not the client's address, not X-Forwarded-For.
 */
import type { IncomingMessage } from 'node:http';
import { checkToken, type TokenClaims } from '../domain/tokens.js';
import { LarderError } from '../errors.js';

export type Authenticator = (req: IncomingMessage) => TokenClaims;

/** Sent with every 401: basic auth is what pip and Maven answer a challenge with. */
export const AUTH_CHALLENGE = 'Basic realm="larder", charset="UTF-8"';

const HOW_TO =
  '`larder login --tool TOOL` writes one into the client configuration; or make one with `larder token create` and give it to npm as _authToken, ' +
  'to pip as https://user:TOKEN@host/…, to twine as -u larder -p TOKEN, to Maven as the server password in settings.xml';

/** The token a request carries, or undefined. */
export function presentedToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const [scheme = '', value = ''] = header.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === 'bearer') return value === '' ? undefined : value;
  if (scheme.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon === -1 ? decoded : decoded.slice(0, colon);
  const password = colon === -1 ? '' : decoded.slice(colon + 1);
  const token = password !== '' ? password : user;
  return token === '' ? undefined : token;
}

function unauthorized(message: string): LarderError {
  return new LarderError('E_UNAUTHORIZED', message, { operation: 'http.auth' });
}

export function createAuthenticator(secret: Buffer, now: () => number = Date.now): Authenticator {
  return (req) => {
    const token = presentedToken(req.headers.authorization);
    if (token === undefined) throw unauthorized(`this larder needs a token: ${HOW_TO}`);
    const check = checkToken(secret, token, now());
    if (check.ok) return check.claims;
    // Never the token itself in a message: messages reach logs.
    switch (check.reason) {
      case 'expired':
        throw unauthorized(`the token has expired (tokens live at most 12 h); ${HOW_TO}`);
      case 'not-yet-valid':
        throw unauthorized("the token was made for a time still to come: this machine's clock and the one that made it disagree");
      case 'too-long-lived':
        throw unauthorized('the token claims a life longer than 12 h, which larder never signs');
      default:
        throw unauthorized(`the token is not one this larder signed (a different data dir, or a new secret since); ${HOW_TO}`);
    }
  };
}
