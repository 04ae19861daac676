// Access tokens (issue 7 §5): createToken / checkToken as pure functions with a given secret and
// clock, and presentedToken, which takes a token out of an Authorization header the way npm, pip
// and Maven send one. Hand-built tokens are signed here with node:crypto, independently of the
// code under test, so a token "signed with the right secret" is a real one.
import { createHmac, randomBytes } from 'node:crypto';
import t from 'tap';
import { checkToken, createToken, MAX_TOKEN_TTL_MS, TOKEN_PREFIX, type TokenCheck } from '../../src/domain/tokens.js';
import { presentedToken } from '../../src/http/auth.js';

const secret = randomBytes(32);
const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const NOW_S = NOW / 1000;
const HOUR = 60 * 60 * 1000;

/** `lt1.<payload>.<sig>` signed with `key`: how a token is built, done here without src/. */
function signed(payloadText: string, key: Buffer = secret, prefix = TOKEN_PREFIX): string {
  const head = `${prefix}.${Buffer.from(payloadText).toString('base64url')}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

const claimsToken = (claims: unknown, key: Buffer = secret): string => signed(JSON.stringify(claims), key);
const refused = (check: TokenCheck): string | undefined => (check.ok ? undefined : check.reason);
const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

t.test('a token round-trips: its claims come back while it lives', async (t) => {
  t.equal(MAX_TOKEN_TTL_MS, 12 * HOUR, 'tokens live at most 12 h');
  const token = createToken(secret, 'ci-job', 2 * HOUR, NOW + 400);
  t.match(token, /^lt1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'lt1.<payload>.<signature>, all base64url');
  t.same(checkToken(secret, token, NOW), { ok: true, claims: { sub: 'ci-job', iat: NOW_S, exp: NOW_S + 7200 } }, 'valid now, whole seconds');
  t.equal(checkToken(secret, token, NOW + 2 * HOUR - 1000).ok, true, 'valid one second before it expires');
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as unknown;
  t.same(payload, { sub: 'ci-job', iat: NOW_S, exp: NOW_S + 7200 }, 'the payload is exactly { sub, iat, exp }: nothing secret in it');
  t.not(createToken(secret, 'ci-job', 2 * HOUR, NOW + 1000), token, 'a later token is a different string');
  t.same(checkToken(secret, createToken(secret, 'Zoë "quoted" ü', HOUR, NOW), NOW), { ok: true, claims: { sub: 'Zoë "quoted" ü', iat: NOW_S, exp: NOW_S + 3600 } }, 'any printable subject survives');
  t.equal(checkToken(secret, createToken(secret, 'max', MAX_TOKEN_TTL_MS, NOW), NOW + MAX_TOKEN_TTL_MS - 1000).ok, true, 'a 12 h token is valid to its last second');
});

t.test('an expired token is refused as expired', async (t) => {
  const token = createToken(secret, 'ci-job', HOUR, NOW);
  t.equal(refused(checkToken(secret, token, NOW + HOUR)), 'expired', 'at exactly exp');
  t.equal(refused(checkToken(secret, token, NOW + HOUR + 1000)), 'expired', 'one second past exp');
  t.equal(refused(checkToken(secret, token, NOW + 30 * 24 * HOUR)), 'expired', 'a month later');
  t.equal(refused(checkToken(secret, claimsToken({ sub: 'x', iat: NOW_S - 7200, exp: NOW_S - 3600 }), NOW)), 'expired', 'hand-built, expired an hour ago');
});

t.test('a token issued in the future is refused beyond the clock skew, accepted within it', async (t) => {
  t.equal(checkToken(secret, createToken(secret, 'skewed', HOUR, NOW + 30_000), NOW).ok, true, 'issued 30 s ahead (another machine\'s clock): accepted');
  t.equal(checkToken(secret, createToken(secret, 'skewed', HOUR, NOW + 60_000), NOW).ok, true, 'issued 60 s ahead: the edge of the skew');
  const ahead = checkToken(secret, createToken(secret, 'future', HOUR, NOW + 5 * 60_000), NOW);
  t.equal(ahead.ok, false, 'issued 5 min ahead: refused');
  t.equal(refused(ahead), 'not-yet-valid', 'reported as not yet valid');
  t.equal(checkToken(secret, claimsToken({ sub: 'x', iat: NOW_S + 3600, exp: NOW_S + 7200 }), NOW).ok, false, 'hand-built, issued an hour ahead: refused');
});

t.test('forged tokens are refused as forged, whatever their claims say', async (t) => {
  const token = createToken(secret, 'alice', HOUR, NOW);
  const [prefix, payload = '', signature = ''] = token.split('.');
  const other = randomBytes(32);
  t.equal(refused(checkToken(secret, createToken(other, 'alice', HOUR, NOW), NOW)), 'forged', 'signed with another secret');
  t.equal(refused(checkToken(other, token, NOW)), 'forged', 'checked against another secret');
  t.equal(refused(checkToken(secret, claimsToken({ sub: 'alice', iat: NOW_S, exp: NOW_S + 3600 }, other), NOW)), 'forged', 'hand-built under another secret');

  // Flip one payload byte at a time: a different subject, a later exp… none may pass.
  const claims = Buffer.from(payload, 'base64url');
  for (let index = 0; index < claims.length; index += 1) {
    const flipped = Buffer.from(claims);
    flipped[index] = (flipped[index] ?? 0) ^ 0x01;
    const forged = `${prefix}.${flipped.toString('base64url')}.${signature}`;
    const reason = refused(checkToken(secret, forged, NOW));
    if (reason !== 'forged') t.fail(`payload byte ${index} flipped: expected forged, got ${reason ?? 'ACCEPTED'}`);
  }
  t.pass(`every one of the ${claims.length} payload bytes flipped: forged`);
  const stretched = Buffer.from(JSON.stringify({ sub: 'alice', iat: NOW_S, exp: NOW_S + 7200 })).toString('base64url');
  t.equal(refused(checkToken(secret, `${prefix}.${stretched}.${signature}`, NOW)), 'forged', 'exp stretched by an hour, old signature kept');
  const admin = Buffer.from(JSON.stringify({ sub: 'admin', iat: NOW_S, exp: NOW_S + 3600 })).toString('base64url');
  t.equal(refused(checkToken(secret, `${prefix}.${admin}.${signature}`, NOW)), 'forged', 'subject changed, old signature kept');

  const bob = createToken(secret, 'bob', 2 * HOUR, NOW);
  const [, bobPayload = '', bobSignature = ''] = bob.split('.');
  t.equal(refused(checkToken(secret, `${prefix}.${bobPayload}.${signature}`, NOW)), 'forged', "bob's payload with alice's signature");
  t.equal(refused(checkToken(secret, `${prefix}.${payload}.${bobSignature}`, NOW)), 'forged', "alice's payload with bob's signature");

  t.equal(refused(checkToken(secret, `${prefix}.${payload}.${signature.slice(0, -2)}`, NOW)), 'forged', 'signature truncated');
  t.equal(refused(checkToken(secret, `${prefix}.${payload}.${signature}AA`, NOW)), 'forged', 'signature extended');
  t.equal(checkToken(secret, `${prefix}.${payload}.`, NOW).ok, false, 'signature empty');
  const expiredForgery = createToken(other, 'alice', HOUR, NOW - 5 * HOUR);
  t.equal(refused(checkToken(secret, expiredForgery, NOW)), 'forged', 'an expired forgery is reported as forged: claims are not read before the signature holds');
});

t.test(
  'another spelling of a valid signature is refused (base64url has spare bits: a token has one spelling)',
  async (t) => {
    const token = createToken(secret, 'alice', HOUR, NOW);
    const last = token.at(-1) ?? '';
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const value = alphabet.indexOf(last);
    for (let spare = 0; spare < 4; spare += 1) {
      const other = alphabet[(value & ~3) | spare] ?? '';
      if (other === last) continue;
      t.equal(checkToken(secret, `${token.slice(0, -1)}${other}`, NOW).ok, false, `last character ${last} → ${other}`);
    }
  },
);

t.test('malformed tokens are refused as malformed', async (t) => {
  const token = createToken(secret, 'alice', HOUR, NOW);
  const [, payload = '', signature = ''] = token.split('.');
  const malformed = (value: string, name: string): void => {
    t.equal(refused(checkToken(secret, value, NOW)), 'malformed', name);
  };
  malformed('', 'empty');
  malformed(`lt2.${payload}.${signature}`, 'wrong prefix');
  malformed(`LT1.${payload}.${signature}`, 'prefix in the wrong case');
  malformed(`.${payload}.${signature}`, 'no prefix');
  malformed(signed(JSON.stringify({ sub: 'a', iat: NOW_S, exp: NOW_S + 60 }), secret, 'lt0'), 'another prefix, correctly signed under it');
  malformed(`lt1.${payload}`, 'two parts');
  malformed(`${token}.extra`, 'four parts');
  malformed(`lt1.${payload}+/.${signature}`, 'base64 (not base64url) characters in the payload');
  malformed(`lt1.${payload}.${signature}=`, 'padding in the signature');
  malformed(`lt1.${payload} .${signature}`, 'a space inside');
  malformed(`lt1.${payload}.${signature}\n`, 'a trailing newline');
  malformed('Bearer lt1.a.b c', 'a header value, not a token');

  // Signed with the right secret, so only the payload's shape can refuse them.
  malformed(signed('not json'), 'payload not JSON');
  malformed(signed('"alice"'), 'JSON string');
  malformed(signed('42'), 'JSON number');
  malformed(signed('null'), 'JSON null');
  malformed(signed('[{"sub":"a","iat":1,"exp":2}]'), 'JSON array');
  malformed(claimsToken({ sub: 'a', iat: NOW_S }), 'no exp');
  malformed(claimsToken({ sub: 'a', exp: NOW_S + 60 }), 'no iat');
  malformed(claimsToken({ iat: NOW_S, exp: NOW_S + 60 }), 'no sub');
  malformed(claimsToken({ sub: 7, iat: NOW_S, exp: NOW_S + 60 }), 'sub not a string');
  malformed(claimsToken({ sub: 'a', iat: String(NOW_S), exp: NOW_S + 60 }), 'iat a string');
  malformed(claimsToken({ sub: 'a', iat: NOW_S, exp: NOW_S + 60.5 }), 'exp not whole seconds');
  malformed(claimsToken({ sub: 'a', iat: NOW_S, exp: 1e300 }), 'exp beyond safe integers');
  t.equal(checkToken(secret, claimsToken({ sub: 'a', iat: NOW_S, exp: NOW_S + 60, extra: true }), NOW).ok, true, 'an extra field does no harm (it is signed)');
});

t.test('a correctly signed token that claims more than 12 h is refused as too-long-lived', async (t) => {
  const max = MAX_TOKEN_TTL_MS / 1000;
  t.equal(refused(checkToken(secret, claimsToken({ sub: 'greedy', iat: NOW_S, exp: NOW_S + max + 1 }), NOW)), 'too-long-lived', '12 h + 1 s');
  t.equal(refused(checkToken(secret, claimsToken({ sub: 'greedy', iat: NOW_S - 3600, exp: NOW_S + 365 * 86400 }), NOW)), 'too-long-lived', 'a year');
  t.equal(refused(checkToken(secret, claimsToken({ sub: 'greedy', iat: NOW_S - 2 * max, exp: NOW_S + 10 }), NOW)), 'too-long-lived', 'issued a day ago, still "valid" for 10 s');
  t.equal(checkToken(secret, claimsToken({ sub: 'fine', iat: NOW_S, exp: NOW_S + max }), NOW).ok, true, 'exactly 12 h is allowed');
});

t.test('createToken refuses a life of 0, less, or more than 12 h', async (t) => {
  for (const ttl of [0, -1, -HOUR, MAX_TOKEN_TTL_MS + 1, 13 * HOUR, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.throws(() => createToken(secret, 'x', ttl, NOW), RangeError, `ttl ${ttl} ms`);
  }
  t.doesNotThrow(() => createToken(secret, 'x', 1000, NOW), 'one second');
  t.doesNotThrow(() => createToken(secret, 'x', MAX_TOKEN_TTL_MS, NOW), '12 h');
});

t.test('a life shorter than a second is refused, or gives a token valid at once (never one born expired)', async (t) => {
  for (const ttl of [1, 500, 999]) {
    let made: string;
    try {
      made = createToken(secret, 'brief', ttl, NOW);
    } catch (error) {
      t.type(error, RangeError, `ttl ${ttl} ms: refused`);
      continue;
    }
    t.same(checkToken(secret, made, NOW), { ok: true, claims: { sub: 'brief', iat: NOW_S, exp: NOW_S + 1 } }, `ttl ${ttl} ms: the token it made is valid at once`);
  }
});

t.test('presentedToken takes the token the way each client sends it', async (t) => {
  const token = createToken(secret, 'alice', HOUR, NOW);
  t.equal(presentedToken(`Bearer ${token}`), token, 'Bearer (npm _authToken)');
  t.equal(presentedToken(`bearer ${token}`), token, 'scheme names are case-insensitive');
  t.equal(presentedToken(`  Bearer   ${token}  `), token, 'surrounding and doubled spaces');
  t.equal(presentedToken(basic(`user:${token}`)), token, 'Basic user:TOKEN (pip, Maven)');
  t.equal(presentedToken(basic(`${token}:`)), token, 'Basic TOKEN: (the token as user name, empty password)');
  t.equal(presentedToken(basic(token)), token, 'Basic TOKEN with no colon at all');
  t.equal(presentedToken(`BASIC ${Buffer.from(`u:${token}`).toString('base64')}`), token, 'BASIC in capitals');
  t.equal(presentedToken(basic('user:pa:ss')), 'pa:ss', 'the password is everything after the first colon');
  t.equal(presentedToken(basic(`${token}:wrong`)), 'wrong', 'a non-empty password wins over the user name');

  for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic', basic(':'), basic(''), 'Basic !!!!']) {
    t.equal(presentedToken(header), undefined, `no token in ${JSON.stringify(header)}`);
  }
  for (const scheme of ['Token', 'Digest', 'Negotiate', 'NTLM', 'AWS4-HMAC-SHA256', 'ApiKey', 'X-Bearer']) {
    t.equal(presentedToken(`${scheme} ${token}`), undefined, `${scheme} scheme: not taken`);
  }
  t.equal(presentedToken(token), undefined, 'a bare token without a scheme: not taken');
});
