// The per-origin breaker: opens after the threshold, refuses during the cool-down, lets one
// probe through after it, and closes on success or reopens on failure.
import t from 'tap';
import { MAX_REQUESTED_PAUSE_MS, OriginBreaker, retryAfterMs } from '../../src/engine/breaker.js';

t.test('open, cool down, probe, close', async (t) => {
  let now = 1_000;
  const opened: string[] = [];
  const breaker = new OriginBreaker({ threshold: 3, cooldownMs: 30_000, now: () => now, onOpen: (origin) => opened.push(origin) });
  const origin = 'http://upstream.test';
  breaker.failed(origin, 'refused');
  breaker.failed(origin, 'refused');
  t.doesNotThrow(() => breaker.admit(origin), 'below the threshold: still called');
  breaker.failed(origin, 'refused');
  t.same(opened, [origin], 'told once when it opens');
  t.ok(breaker.isOpen(origin));
  t.throws(() => breaker.admit(origin), { code: 'E_UPSTREAM_COOLDOWN', message: /30 s more/ });
  t.doesNotThrow(() => breaker.admit('http://other.test'), 'other origins are not affected');

  now += 30_000;
  t.doesNotThrow(() => breaker.admit(origin), 'after the cool-down one probe goes through');
  t.throws(() => breaker.admit(origin), 'a second request while the probe runs is refused');
  breaker.failed(origin, 'still refused');
  t.same(opened, [origin, origin], 'a failed probe reopens it');
  t.throws(() => breaker.admit(origin));

  now += 30_000;
  breaker.admit(origin);
  breaker.succeeded(origin);
  t.notOk(breaker.isOpen(origin));
  t.doesNotThrow(() => breaker.admit(origin), 'closed after a successful probe');
  t.doesNotThrow(() => breaker.admit(origin));
});

t.test('a 429 or 503 with Retry-After opens the breaker until then, bounded', async (t) => {
  let now = 1_000;
  const breaker = new OriginBreaker({ threshold: 3, cooldownMs: 30_000, now: () => now });
  const origin = 'http://busy.test';
  breaker.recordResponse(origin, 429, 120_000);
  t.throws(() => breaker.admit(origin), { code: 'E_UPSTREAM_COOLDOWN', message: /120 s more/ }, 'one 429 is enough: the upstream asked');
  now += 119_000;
  t.throws(() => breaker.admit(origin));
  now += 1_000;
  t.doesNotThrow(() => breaker.admit(origin), 'when the upstream said, one probe goes');
  breaker.recordResponse(origin, 200);
  t.notOk(breaker.isOpen(origin));

  breaker.recordResponse(origin, 503, 10 * 24 * 3600_000);
  now += MAX_REQUESTED_PAUSE_MS;
  t.doesNotThrow(() => breaker.admit(origin), 'a pause of days is cut to the maximum');
  breaker.recordResponse(origin, 200);
  breaker.recordResponse(origin, 500, 60_000);
  t.doesNotThrow(() => breaker.admit(origin), 'a 500 with Retry-After is one failure, no more');
});

t.test('retryAfterMs reads seconds and HTTP dates', async (t) => {
  const now = Date.parse('2026-11-22T00:00:00Z');
  t.equal(retryAfterMs('120', now), 120_000);
  t.equal(retryAfterMs(' 5 ', now), 5_000);
  t.equal(retryAfterMs('Sun, 22 Nov 2026 00:02:00 GMT', now), 120_000);
  t.equal(retryAfterMs('Sat, 21 Nov 2026 00:00:00 GMT', now), 0, 'a date past is now');
  t.equal(retryAfterMs('soon', now), undefined);
  t.equal(retryAfterMs('-5', now), undefined);
  t.equal(retryAfterMs(undefined, now), undefined);
});
