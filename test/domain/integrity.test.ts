import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import { isLarderError } from '../../src/errors.js';
import {
  createDigester,
  integrityAlgorithm,
  integrityFromHex,
  integrityToHex,
  parseIntegrity,
} from '../../src/domain/integrity.js';

const body = Buffer.from('hello larder\n');
const sri = (algorithm: string, data: Buffer = body): string => `${algorithm}-${createHash(algorithm).update(data).digest('base64')}`;
const hex = (algorithm: string, data: Buffer = body): string => createHash(algorithm).update(data).digest('hex');

/** Asserts fn throws E_BAD_DIGEST and returns the error. */
const throwsBadDigest = (t: Test, fn: () => unknown, name: string): Error => {
  const error = t.throws(fn, { code: 'E_BAD_DIGEST' }, name);
  t.ok(isLarderError(error, 'E_BAD_DIGEST'), `${name}: a LarderError`);
  return error as Error;
};

const rejectsAsBadDigest = (t: Test, value: string, name: string): void => {
  const error = throwsBadDigest(t, () => parseIntegrity(value), name);
  t.ok(error.message.includes(JSON.stringify(value).slice(0, 20)), `${name}: the message names the value`);
};

t.test('parseIntegrity accepts the four SRI algorithms and normalises them', async (t) => {
  for (const algorithm of ['sha1', 'sha256', 'sha384', 'sha512']) {
    t.equal(parseIntegrity(sri(algorithm)), sri(algorithm), algorithm);
    t.equal(parseIntegrity(`  ${sri(algorithm)}\n`), sri(algorithm), `${algorithm} with whitespace`);
  }
  const unpadded = sri('sha512').replace(/=+$/, '');
  t.not(unpadded, sri('sha512'), 'the fixture really has padding');
  t.equal(parseIntegrity(unpadded), sri('sha512'), 'missing padding is restored');
});

t.test('parseIntegrity keeps the strongest of several hashes', async (t) => {
  t.equal(parseIntegrity(`${sri('sha1')} ${sri('sha512')} ${sri('sha256')}`), sri('sha512'));
  t.equal(parseIntegrity(`${sri('sha256')}\t${sri('sha1')}`), sri('sha256'));
  t.equal(parseIntegrity(`${sri('sha384')} ${sri('sha256')}`), sri('sha384'));
});

t.test('parseIntegrity rejects what cacache would store unverified', async (t) => {
  const sha512 = sri('sha512');
  rejectsAsBadDigest(t, '', 'empty string');
  rejectsAsBadDigest(t, '   ', 'blank string');
  rejectsAsBadDigest(t, 'garbage', 'garbage');
  rejectsAsBadDigest(t, 'sha512-', 'empty digest');
  rejectsAsBadDigest(t, `md5-${createHash('md5').update(body).digest('base64')}`, 'md5');
  rejectsAsBadDigest(t, `${sha512}?foo`, 'options junk');
  rejectsAsBadDigest(t, `${sha512} md5-${createHash('md5').update(body).digest('base64')}`, 'a junk hash beside a good one');
  rejectsAsBadDigest(t, `sha512-${sri('sha256').slice('sha256-'.length)}`, 'a sha256 digest labelled sha512');
  rejectsAsBadDigest(t, `sha1-${sha512.slice(7)}`, 'a sha512 digest labelled sha1');
  rejectsAsBadDigest(t, `SHA512-${sha512.slice(7)}`, 'upper-case algorithm');
  rejectsAsBadDigest(t, sha512.replace(/[+/]/g, '_').replace(/^sha512_/, 'sha512-') + '!', 'characters outside base64');
  rejectsAsBadDigest(t, `sha512-${'A'.repeat(85)}B==`, 'non-canonical spare bits');
  rejectsAsBadDigest(t, `sha256-${hex('sha256')}`, 'a hex digest where base64 belongs');
});

t.test('the E_BAD_DIGEST error names the value and the operation', async (t) => {
  const error = t.throws(() => parseIntegrity('sha512-nope'));
  t.ok(isLarderError(error, 'E_BAD_DIGEST'));
  t.match(String((error as Error).message), /"sha512-nope"/);
  t.equal((error as { operation?: string }).operation, 'integrity.parse');
  const long = `sha512-${'x'.repeat(500)}`;
  const longError = t.throws(() => parseIntegrity(long)) as Error;
  t.ok(longError.message.length < 300, 'a huge value is shortened in the message');
});

t.test('integrityFromHex converts npm shasum, PyPI sha256 and sha512 hex', async (t) => {
  t.equal(integrityFromHex('sha1', hex('sha1')), sri('sha1'));
  t.equal(integrityFromHex('sha256', hex('sha256')), sri('sha256'));
  t.equal(integrityFromHex('sha512', hex('sha512')), sri('sha512'));
  t.equal(integrityFromHex('sha256', hex('sha256').toUpperCase()), sri('sha256'), 'upper-case hex');
  t.equal(integrityFromHex('sha1', ` ${hex('sha1')}\n`), sri('sha1'), 'a sidecar with a newline');
  for (const [algorithm, value, name] of [
    ['sha1', hex('sha256'), 'wrong length'],
    ['sha256', hex('sha256').slice(1), 'one digit short'],
    ['sha256', `${hex('sha256').slice(1)}g`, 'not hex'],
    ['sha512', '', 'empty'],
  ] as const) {
    throwsBadDigest(t, () => integrityFromHex(algorithm, value), name);
  }
});

t.test('integrityToHex and integrityAlgorithm read an SRI string back', async (t) => {
  t.same(integrityToHex(sri('sha1')), { algorithm: 'sha1', hex: hex('sha1') });
  t.same(integrityToHex(`${sri('sha1')} ${sri('sha512')}`), { algorithm: 'sha512', hex: hex('sha512') });
  t.equal(integrityAlgorithm(sri('sha384')), 'sha384');
  throwsBadDigest(t, () => integrityToHex('junk'), 'junk');
});

t.test('createDigester reports the actual digest in the expected algorithm', async (t) => {
  for (const algorithm of ['sha1', 'sha256', 'sha384', 'sha512']) {
    const digester = createDigester(sri(algorithm));
    digester.update(body.subarray(0, 5));
    digester.update(body.subarray(5));
    t.equal(digester.algorithm, algorithm);
    t.equal(digester.size, body.length);
    t.equal(digester.digest(), sri(algorithm), `${algorithm}: same bytes, same string`);
  }
  const byName = createDigester('sha256');
  byName.update(Buffer.from('other bytes'));
  t.equal(byName.digest(), sri('sha256', Buffer.from('other bytes')));
  t.not(byName.algorithm, 'sha512');

  const wrong = createDigester(sri('sha512'));
  wrong.update(Buffer.from('tampered'));
  t.not(wrong.digest(), sri('sha512'), 'different bytes give a different digest');
  throwsBadDigest(t, () => createDigester('md5'), 'md5 algorithm');
});
