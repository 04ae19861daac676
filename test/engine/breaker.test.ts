// The per-origin breaker: opens after the threshold, refuses during the cool-down, lets one
// probe through after it, and closes on success or reopens on failure.
import t from 'tap';
import { OriginBreaker } from '../../src/engine/breaker.js';

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
