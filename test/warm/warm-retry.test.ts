/**
 * When warming asks again. Against a real daemon: a slow upstream that outlives the daemon's
 * ingestion deadline (404 E_INGESTION_IN_PROGRESS, asked again until it lands) and a failing
 * upstream (502, asked again). Against a scripted server standing in for the daemon, the answers
 * a real one gives too rarely to provoke on cue: Retry-After, patience running out, a refused
 * digest (never asked again), retries running out, bytes that do not match the ETag.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { DaemonHttp } from '../../src/warm/daemon-http.js';
import { DEFAULT_RETRY_POLICY, digestBody, fetchThrough, retryAfterMs, type RetryPolicy } from '../../src/warm/fetch-through.js';
import { WarmFailure } from '../../src/warm/failures.js';
import { warm } from '../../src/warm/warmer.js';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { requestLines, startTestLarder } from '../helpers/larder.js';

const FAST: RetryPolicy = { ...DEFAULT_RETRY_POLICY, backoffMs: 20, ingestionPauseMs: 50 };

t.test('a version still being ingested is asked for again until the daemon has it', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'slow-pkg', versions: { '1.0.0': {} } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url, config: { defaults: { refresh: 'blocking', ingestionDeadline: '200ms', prefetch: false } } });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  registry.fault = { kind: 'slow', delayMs: 900, match: /\.tgz$/ };
  const report = await warm({ url: larder.url, repository: 'default', items: [{ format: 'npm', name: 'slow-pkg', version: '1.0.0' }], retry: FAST });
  t.equal(report.ok, true, JSON.stringify(report.items[0]?.failure));
  t.equal(report.fetched + report.retained, 1);
  t.ok((report.items[0]?.retries ?? 0) >= 1, `asked again (${report.items[0]?.retries} times)`);
  const lines = requestLines(larder.logs).filter((line) => String(line.url).endsWith('slow-pkg-1.0.0.tgz'));
  const answers = lines.map((line) => line.status);
  t.equal(lines[0]?.code, 'E_INGESTION_IN_PROGRESS', `the daemon first said 404 ingestion in progress (answers: ${answers.join(', ')})`);
  t.equal(answers.at(-1), 200, 'and finally served it');
  t.equal(registry.count((r) => r.path.endsWith('.tgz')), 1, 'one upstream fetch: the retries joined it');
});

t.test('a failing upstream (502 from the daemon) is asked again', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'flaky', versions: { '1.0.0': {} } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url, config: { defaults: { refresh: 'blocking', ingestionDeadline: '10s', prefetch: false } } });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  registry.fault = { kind: 'status', status: 500, match: /\.tgz$/, times: 1 };
  const report = await warm({ url: larder.url, repository: 'default', items: [{ format: 'npm', name: 'flaky', version: '1.0.0' }], retry: FAST });
  t.equal(report.ok, true, JSON.stringify(report.items[0]?.failure));
  t.equal(report.items[0]?.retries, 1);
  t.equal(registry.count((r) => r.path.endsWith('.tgz')), 2);
});

/** A stand-in daemon answering each request with the next of `answers` (the last one repeats). */
async function scripted(t: Test, answers: Array<(req: IncomingMessage, res: ServerResponse) => void>): Promise<{ http: DaemonHttp; url: URL; requests: () => number }> {
  let count = 0;
  const server = createServer((req, res) => {
    const answer = answers[Math.min(count, answers.length - 1)];
    count += 1;
    answer?.(req, res);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const http = new DaemonHttp(base, 'secret-token');
  t.teardown(async () => {
    await http.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { http, url: http.resolve('npm/default/x/-/x-1.0.0.tgz'), requests: () => count };
}

const BODY = Buffer.from('the bytes of x-1.0.0.tgz');
const ETAG = `"${createHash('sha512').update(BODY).digest('hex')}"`;
const ok = (etag = ETAG) => (_req: IncomingMessage, res: ServerResponse): void => {
  res.writeHead(200, { etag, 'x-cache': 'miss', 'content-length': BODY.length });
  res.end(BODY);
};
const error = (status: number, code: string, headers: Record<string, string> = {}) => (_req: IncomingMessage, res: ServerResponse): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: `scripted ${code}`, code }));
};
const consume = (what: string) => (res: Parameters<typeof digestBody>[0]) => digestBody(res, [], what);

t.test('Retry-After is honoured, and the token goes along', async (t) => {
  let authorization: string | undefined;
  const { http, url } = await scripted(t, [error(503, 'E_UPSTREAM_COOLDOWN', { 'retry-after': '1' }), (req, res) => ((authorization = req.headers.authorization), ok()(req, res))]);
  const started = Date.now();
  const fetched = await fetchThrough({ http, policy: FAST }, url, 'x', '*/*', consume('x'));
  t.ok(Date.now() - started >= 950, `waited the second it was told to (${Date.now() - started} ms)`);
  t.equal(fetched.retries, 1);
  t.equal(fetched.value.bytes, BODY.length);
  t.equal(authorization, 'Bearer secret-token');
});

t.test('patience with an ingestion in progress runs out', async (t) => {
  const { http, url, requests } = await scripted(t, [error(404, 'E_INGESTION_IN_PROGRESS')]);
  const failure = await fetchThrough({ http, policy: { ...FAST, ingestionPatienceMs: 200 } }, url, 'x', '*/*', consume('x')).catch((e: unknown) => e);
  t.ok(failure instanceof WarmFailure);
  t.equal((failure as WarmFailure).kind, 'ingestion-timeout');
  t.match((failure as WarmFailure).fix('default'), /run larder warm again in a while/);
  t.ok(requests() >= 3, `asked several times (${requests()})`);
});

t.test('a refused digest is final; other 5xx are retried until the retries run out', async (t) => {
  const mismatch = await scripted(t, [error(502, 'E_INTEGRITY_MISMATCH'), ok()]);
  const refused = await fetchThrough({ http: mismatch.http, policy: FAST }, mismatch.url, 'x', '*/*', consume('x')).catch((e: unknown) => e);
  t.equal((refused as WarmFailure).kind, 'upstream-integrity');
  t.equal(mismatch.requests(), 1, 'not asked again');

  const down = await scripted(t, [error(504, 'E_UPSTREAM_TIMEOUT')]);
  const failed = await fetchThrough({ http: down.http, policy: { ...FAST, retries: 2 } }, down.url, 'x', '*/*', consume('x')).catch((e: unknown) => e);
  t.equal((failed as WarmFailure).kind, 'upstream');
  t.match((failed as WarmFailure).message, /larder answered 504 E_UPSTREAM_TIMEOUT for x: scripted E_UPSTREAM_TIMEOUT/);
  t.equal(down.requests(), 3, 'the first ask and two retries');

  const missing = await scripted(t, [error(404, 'E_NOT_FOUND'), ok()]);
  const notFound = await fetchThrough({ http: missing.http, policy: FAST }, missing.url, 'x', '*/*', consume('x')).catch((e: unknown) => e);
  t.equal((notFound as WarmFailure).kind, 'not-found');
  t.equal(missing.requests(), 1, 'a plain 404 is final');
});

t.test('bytes that do not match the daemon\'s ETag are fetched again', async (t) => {
  const wrong = `"${'0'.repeat(128)}"`;
  const flaky = await scripted(t, [ok(wrong), ok()]);
  const fetched = await fetchThrough({ http: flaky.http, policy: FAST }, flaky.url, 'x', '*/*', consume('x'));
  t.equal(fetched.retries, 1, 'the second copy was right');

  const broken = await scripted(t, [ok(wrong)]);
  const failure = await fetchThrough({ http: broken.http, policy: { ...FAST, retries: 1 } }, broken.url, 'x', '*/*', consume('x')).catch((e: unknown) => e);
  t.equal((failure as WarmFailure).kind, 'transfer');
  t.match((failure as WarmFailure).message, /larder serves it under sha512-.* but the bytes received hash to sha512-/);
  t.match((failure as WarmFailure).fix('default'), /larder verify --repair/);

  const cut = await scripted(t, [
    (_req, res) => {
      res.writeHead(200, { 'content-length': BODY.length * 2 });
      res.write(BODY, () => res.socket?.destroy());
    },
    ok(),
  ]);
  const resumed = await fetchThrough({ http: cut.http, policy: FAST }, cut.url, 'x', '*/*', consume('x'));
  t.equal(resumed.retries, 1, 'a body that broke off is asked for again');
});

t.test('Retry-After as seconds or as a date', async (t) => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  t.equal(retryAfterMs({ 'retry-after': '3' }, now), 3000);
  t.equal(retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now), 5000);
  t.equal(retryAfterMs({ 'retry-after': 'Wed, 31 Dec 2025 00:00:00 GMT' }, now), 0);
  t.equal(retryAfterMs({ 'retry-after': 'soon' }, now), undefined);
  t.equal(retryAfterMs({}, now), undefined);
});
