/**
 * Access tokens (issue 7 §5): short-lived and signed, so larder keeps no token list and a token
 * cannot be forged or stretched. A token is `lt1.<payload>.<signature>`: the payload is base64url
 * JSON `{ sub, iat, exp }` (seconds), the signature base64url HMAC-SHA256 of `lt1.<payload>`
 * under the data dir's secret. Pure: the secret and the clock are given.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'lt1';
/** The longest life a token may have: a leaked token is worth little for long. */
export const MAX_TOKEN_TTL_MS = 12 * 60 * 60 * 1000;
/** Clock difference tolerated between the machine that made a token and this one. */
const CLOCK_SKEW_S = 60;

export interface TokenClaims {
  /** Who the token was made for (free text: a person, a CI job). */
  sub: string;
  /** Issued at, epoch seconds. */
  iat: number;
  /** Expires at, epoch seconds. */
  exp: number;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'forged' | 'expired' | 'not-yet-valid' | 'too-long-lived' };

function sign(secret: Buffer, signed: string): Buffer {
  return createHmac('sha256', secret).update(signed).digest();
}

export function createToken(secret: Buffer, subject: string, ttlMs: number, nowMs: number): string {
  if (!(ttlMs >= 1000 && ttlMs <= MAX_TOKEN_TTL_MS)) throw new RangeError(`a token lives from 1s to 12h, asked for ${ttlMs} ms`);
  const iat = Math.floor(nowMs / 1000);
  const claims: TokenClaims = { sub: subject, iat, exp: iat + Math.ceil(ttlMs / 1000) };
  const signed = `${TOKEN_PREFIX}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${signed}.${sign(secret, signed).toString('base64url')}`;
}

function parseClaims(payload: string): TokenClaims | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { sub, iat, exp } = value as Record<string, unknown>;
    if (typeof sub !== 'string' || !Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) return undefined;
    return { sub, iat: iat as number, exp: exp as number };
  } catch (error) {
    void error; // not base64url JSON: a malformed token, said by the caller
    return undefined;
  }
}

export function checkToken(secret: Buffer, token: string, nowMs: number): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== TOKEN_PREFIX || !/^[A-Za-z0-9_-]+$/.test(`${parts[1]}${parts[2]}`)) return { ok: false, reason: 'malformed' };
  const [prefix, payload = '', signature = ''] = parts;
  // Compared as text, not decoded bytes: base64url has spare bits, and a token must have exactly
  // one spelling. Signature first, in constant time: no claim is believed before it holds.
  const expected = Buffer.from(sign(secret, `${prefix}.${payload}`).toString('base64url'));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  const claims = parseClaims(payload);
  if (claims === undefined) return { ok: false, reason: 'malformed' };
  const now = Math.floor(nowMs / 1000);
  if (claims.exp - claims.iat > MAX_TOKEN_TTL_MS / 1000) return { ok: false, reason: 'too-long-lived' };
  if (claims.iat > now + CLOCK_SKEW_S) return { ok: false, reason: 'not-yet-valid' };
  if (claims.exp <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
