// GET /-/health (issue 8 §5): ready, the store writable, each connection's state; 503 only when
// larder cannot work, "degraded" (200) while an upstream is unreachable.
import t from 'tap';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createToken } from '../../src/domain/tokens.js';
import { tokenSecret } from '../../src/store/secret.js';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder } from '../helpers/larder.js';

interface Health {
  status: string;
  ready: boolean;
  offline: boolean;
  store: { writable: boolean; freeBytes?: number; error?: string; lowSpace: boolean };
  upstreams: Array<{ repository: string; origin: string | null; state: string; lastError?: string }>;
}

async function health(url: string): Promise<{ code: number; body: Health; cacheControl: string | null }> {
  const res = await fetch(`${url}/-/health`);
  return { code: res.status, body: (await res.json()) as Health, cacheControl: res.headers.get('cache-control') };
}

t.test('health: ok, degraded while the upstream is down, failing when the store cannot write', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'one', versions: { '1.0.0': {} } }] });
  const origin = new URL(registry.url).origin;
  const larder = await startTestLarder({ npmUpstream: registry.url, config: { auth: { required: true } } });
  t.teardown(() => larder.stop());

  const ok = await health(larder.url);
  t.equal(ok.code, 200, 'no token needed: probes have none');
  t.equal(ok.cacheControl, 'no-store');
  t.match(ok.body, { status: 'ok', ready: true, offline: false, store: { writable: true, lowSpace: false } });
  t.ok((ok.body.store.freeBytes ?? 0) > 0, 'free space reported');
  t.same(ok.body.upstreams, [{ repository: 'npm-store', format: 'npm', origin, state: 'AVAILABLE' }]);

  await registry.stop();
  // Three failures in a row open the breaker (the test config's threshold).
  const authorization = `Bearer ${await token(larder.dataDir)}`;
  for (const name of ['a1', 'a2', 'a3']) {
    const res = await fetch(`${larder.npm()}${name}`, { headers: { authorization } });
    await res.arrayBuffer();
  }
  const degraded = await health(larder.url);
  t.equal(degraded.code, 200, 'degraded still serves what it holds');
  t.equal(degraded.body.status, 'degraded');
  t.match(degraded.body.upstreams, [{ repository: 'npm-store', origin, state: 'UNREACHABLE', lastError: /./ }]);

  // Something in the way of the probe's file: the write fails as a full or read-only disk would.
  await new Promise((resolve) => setTimeout(resolve, 2100)); // the last probe is reused for 2 s
  await mkdir(join(larder.dataDir, `.health-probe-${process.pid}`));
  const failing = await health(larder.url);
  t.equal(failing.code, 503, 'a store that cannot write fails the probe');
  t.match(failing.body, { status: 'failing', store: { writable: false, error: /EISDIR|directory/i } });
});

t.test('offline: connections say OFFLINE and the daemon is ok', async (t) => {
  const larder = await startTestLarder({ npmUpstream: 'http://127.0.0.1:9/', config: { offline: true } });
  t.teardown(() => larder.stop());
  const answer = await health(larder.url);
  t.equal(answer.code, 200);
  t.match(answer.body, { status: 'ok', offline: true, upstreams: [{ repository: 'npm-store', state: 'OFFLINE' }] });
});

/** A token from the daemon's own secret, as `larder token create` makes it. */
async function token(dataDir: string): Promise<string> {
  return createToken(await tokenSecret(dataDir), 'test', 60_000, Date.now());
}
