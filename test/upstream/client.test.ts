import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import t, { type Test } from 'tap';
import { errors as undiciErrors } from 'undici';
import type { UpstreamSettings } from '../../src/config/types.js';
import { isLarderError, LarderError } from '../../src/errors.js';
import { UndiciUpstreamClient } from '../../src/upstream/client.js';
import { readBodyText } from '../../src/upstream/read-body.js';
import { followRedirect, MAX_REDIRECTS } from '../../src/upstream/redirect.js';
import { classifyTransportError } from '../../src/upstream/transport-errors.js';
import { deadPort, partialBody, startServer } from './servers.js';

const settings: UpstreamSettings = {
  connectTimeoutMs: 1000,
  headersTimeoutMs: 200,
  bodyTimeoutMs: 200,
  retries: 0,
  breakerThreshold: 5,
  breakerCooldownMs: 30_000,
};

function clientFor(t: Test, overrides: Partial<UpstreamSettings> = {}): UndiciUpstreamClient {
  const client = new UndiciUpstreamClient({ ...settings, ...overrides });
  t.teardown(() => client.close());
  return client;
}

/** The rejection of `promise`, which must reject with a LarderError. */
async function larderError(promise: Promise<unknown>): Promise<LarderError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof LarderError) return err;
    throw new Error(`expected a LarderError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a rejection');
}

/** Reads a body to the end and reports how it ended: never `ended` for a broken body. */
async function drain(body: Readable): Promise<{ bytes: number; ended: boolean; error?: unknown }> {
  let bytes = 0;
  let ended = false;
  body.on('end', () => (ended = true));
  try {
    for await (const chunk of body) bytes += (chunk as Buffer).length;
    return { bytes, ended };
  } catch (error) {
    return { bytes, ended, error };
  }
}

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

t.test('200: status, headers, body, default request headers', async (t) => {
  const server = await startServer((_req, res) => res.end('hello world'));
  t.teardown(server.close);
  const client = clientFor(t);
  const response = await client.request(new URL('/pkg?x=1', server.url));
  t.equal(response.status, 200);
  t.equal(response.headers['content-length'], '11');
  t.equal(response.url.href, new URL('/pkg?x=1', server.url).href);
  t.equal(await readBodyText(response, 1024, 'test.read'), 'hello world');
  t.equal(server.requests[0]?.url, '/pkg?x=1');
  t.equal(server.requests[0]?.headers['user-agent'], `larder/${version}`);
  t.equal(server.requests[0]?.headers['accept-encoding'], 'identity');
});

t.test('caller headers win, HEAD is sent as HEAD, other statuses come back as is', async (t) => {
  const server = await startServer((req, res) => {
    res.writeHead(req.method === 'HEAD' ? 204 : 503, { etag: '"v1"' });
    res.end();
  });
  t.teardown(server.close);
  const client = clientFor(t);
  const head = await client.request(server.url, { method: 'HEAD', headers: { 'User-Agent': 'custom/1', 'if-none-match': '"v0"' } });
  head.body.destroy();
  t.equal(head.status, 204);
  t.equal(head.headers.etag, '"v1"');
  t.equal(server.requests[0]?.method, 'HEAD');
  t.equal(server.requests[0]?.headers['user-agent'], 'custom/1');
  t.equal(server.requests[0]?.headers['if-none-match'], '"v0"');
  const get = await client.request(server.url);
  t.equal(get.status, 503, 'a 5xx is an answer, not a transport error');
  t.equal(await readBodyText(get, 10, 'test.read'), '');
});

t.test('same-origin redirects are followed, relative and absolute', async (t) => {
  const server = await startServer((req, res) => {
    if (req.url === '/a') res.writeHead(302, { location: '/b' }).end('moved');
    else if (req.url === '/b') res.writeHead(301, { location: `${server.origin}/c?q=1` }).end();
    else res.end(`at ${req.url}`);
  });
  t.teardown(server.close);
  const response = await clientFor(t).request(new URL('/a', server.url));
  t.equal(response.status, 200);
  t.equal(response.url.href, `${server.origin}/c?q=1`);
  t.equal(await readBodyText(response, 100, 'test.read'), 'at /c?q=1');
  t.same(
    server.requests.map((r) => r.url),
    ['/a', '/b', '/c?q=1'],
  );
});

t.test('a redirect to another origin is refused and names both URLs', async (t) => {
  const other = await startServer((_req, res) => res.end('elsewhere'));
  t.teardown(other.close);
  const server = await startServer((_req, res) => res.writeHead(307, { location: `${other.origin}/x` }).end());
  t.teardown(server.close);
  const err = await larderError(clientFor(t).request(new URL('/start', server.url)));
  t.equal(err.code, 'E_UPSTREAM_BAD_RESPONSE');
  t.equal(err.operation, 'upstream.request');
  t.match(err.message, `${server.origin}/start`);
  t.match(err.message, `${other.origin}/x`);
  t.equal(other.requests.length, 0, 'the other origin was never contacted');
});

t.test(`at most ${MAX_REDIRECTS} redirects`, async (t) => {
  const server = await startServer((req, res) => {
    const hop = Number(req.url?.split('/')[2]);
    const last = Number(req.url?.split('/')[1] === 'five' ? 5 : Infinity);
    if (hop >= last) res.end('arrived');
    else res.writeHead(308, { location: `/${req.url?.split('/')[1]}/${hop + 1}` }).end();
  });
  t.teardown(server.close);
  const client = clientFor(t);
  const five = await client.request(new URL('/five/0', server.url));
  t.equal(await readBodyText(five, 100, 'test.read'), 'arrived', 'exactly five hops are fine');
  server.requests.length = 0;
  const err = await larderError(client.request(new URL('/loop/0', server.url)));
  t.equal(err.code, 'E_UPSTREAM_BAD_RESPONSE');
  t.match(err.message, /more than 5 times/);
  t.equal(server.requests.length, MAX_REDIRECTS + 1, 'the first request and five hops, no more');
});

t.test('redirect rules as a unit: downgrade, other origin, bad location', async (t) => {
  const https = new URL('https://registry.example.test/pkg');
  t.throws(() => followRedirect(https, https, 'http://registry.example.test/pkg', 0), {
    code: 'E_UPSTREAM_BAD_RESPONSE',
    message: /downgrade from https to http/,
  });
  t.throws(() => followRedirect(https, https, 'https://registry.example.test:8443/pkg', 0), { message: /another origin/ });
  t.throws(() => followRedirect(https, https, 'http://[bad', 0), { code: 'E_UPSTREAM_BAD_RESPONSE', message: /invalid location/ });
  t.equal(followRedirect(https, https, '/other?x=1', 0).href, 'https://registry.example.test/other?x=1');
  t.throws(() => followRedirect(https, https, '/x', MAX_REDIRECTS), { message: /more than 5 times/ });
});

t.test('connection refused: E_UPSTREAM_UNREACHABLE, fast, naming the origin', async (t) => {
  const port = await deadPort();
  const url = new URL(`http://127.0.0.1:${port}/pkg`);
  const started = Date.now();
  const err = await larderError(clientFor(t, { retries: 2 }).request(url));
  t.equal(err.code, 'E_UPSTREAM_UNREACHABLE');
  t.equal(err.operation, 'upstream.request');
  t.same(err.details, { url: url.href, cause: 'ECONNREFUSED' });
  t.match(err.message, url.origin);
  t.match(err.message, /connection refused/);
  t.ok(Date.now() - started < 2000, 'two short retries, no long wait');
});

t.test('DNS failure: E_UPSTREAM_UNREACHABLE', async (t) => {
  const err = await larderError(clientFor(t).request(new URL('http://larder-test-host.invalid/pkg')));
  t.equal(err.code, 'E_UPSTREAM_UNREACHABLE');
  t.match(err.details, { cause: /^(ENOTFOUND|EAI_AGAIN)$/ });
  t.match(err.message, 'larder-test-host.invalid');
});

t.test('headers timeout: E_UPSTREAM_TIMEOUT in bounded time, never retried', async (t) => {
  const server = await startServer(() => {
    // never answers
  });
  t.teardown(server.close);
  const started = Date.now();
  const err = await larderError(clientFor(t, { retries: 3 }).request(server.url));
  t.equal(err.code, 'E_UPSTREAM_TIMEOUT');
  t.match(err.details, { cause: 'HEADERS_TIMEOUT' });
  t.match(err.message, /200 ms/);
  t.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  t.equal(server.requests.length, 1, 'a timeout is not retried');
});

t.test('retries: a socket closed before the response is retried', async (t) => {
  const server = await startServer((req, res, count) => {
    if (count === 1) req.socket.destroy();
    else res.end('second time');
  });
  t.teardown(server.close);
  const response = await clientFor(t, { retries: 2 }).request(server.url);
  t.equal(await readBodyText(response, 100, 'test.read'), 'second time');
  t.equal(server.requests.length, 2);
});

t.test('retries: 0 means one attempt', async (t) => {
  const server = await startServer((req) => req.socket.destroy());
  t.teardown(server.close);
  const err = await larderError(clientFor(t, { retries: 0 }).request(server.url));
  t.equal(err.code, 'E_UPSTREAM_UNREACHABLE');
  t.match(err.details, { cause: 'SOCKET_CLOSED' });
  t.equal(server.requests.length, 1);
});

t.test('retries give up after `retries` extra attempts', async (t) => {
  const server = await startServer((req) => req.socket.destroy());
  t.teardown(server.close);
  await larderError(clientFor(t, { retries: 2 }).request(server.url));
  t.equal(server.requests.length, 3);
});

t.test('a reset mid-body errors the body with E_UPSTREAM_UNREACHABLE', async (t) => {
  const server = await startServer((req, res) => partialBody(res, 100_000, 1000, () => req.socket.resetAndDestroy()));
  t.teardown(server.close);
  const response = await clientFor(t).request(server.url);
  t.equal(response.status, 200, 'the headers arrived');
  const result = await drain(response.body);
  t.equal(result.ended, false);
  t.ok(isLarderError(result.error, 'E_UPSTREAM_UNREACHABLE'), String(result.error));
  t.match((result.error as LarderError).message, /broke off the response/);
  t.equal(server.requests.length, 1, 'never retried after the headers');
});

t.test('a body cut short of its Content-Length never ends cleanly', async (t) => {
  // The server closes politely (FIN) after 10 of 50 bytes: only the length tells it is truncated.
  const server = await startServer((req, res) => partialBody(res, 50, 10, () => req.socket.end()));
  t.teardown(server.close);
  const response = await clientFor(t).request(server.url);
  const result = await drain(response.body);
  t.equal(result.ended, false);
  t.equal(result.bytes, 10);
  t.ok(isLarderError(result.error, 'E_UPSTREAM_UNREACHABLE'), String(result.error));
  const again = await clientFor(t).request(server.url);
  await t.rejects(readBodyText(again, 1000, 'test.read'), { code: 'E_UPSTREAM_UNREACHABLE' });
});

t.test('a stalled body times out with E_UPSTREAM_TIMEOUT', async (t) => {
  const server = await startServer((_req, res) =>
    partialBody(res, 50, 10, () => {
      // stalls forever
    }),
  );
  t.teardown(server.close);
  const response = await clientFor(t).request(server.url);
  const started = Date.now();
  const result = await drain(response.body);
  t.ok(isLarderError(result.error, 'E_UPSTREAM_TIMEOUT'), String(result.error));
  t.match((result.error as LarderError).details, { cause: 'BODY_TIMEOUT' });
  t.ok(Date.now() - started < 3000);
});

t.test('destroying the body releases the upstream connection', async (t) => {
  let closed = false;
  const server = await startServer((req, res) => {
    req.socket.on('close', () => (closed = true));
    partialBody(res, 1_000_000, 1000, () => {
      // keeps the response open: only the client can end it
    });
  });
  t.teardown(server.close);
  const response = await clientFor(t, { bodyTimeoutMs: 10_000 }).request(server.url);
  response.body.destroy();
  for (let i = 0; i < 50 && !closed; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  t.ok(closed, 'the server saw the connection close');
});

t.test('an abort signal cancels the request with its own reason', async (t) => {
  const server = await startServer(() => {
    // never answers
  });
  t.teardown(server.close);
  const controller = new AbortController();
  const reason = new Error('caller gave up');
  setTimeout(() => controller.abort(reason), 30);
  const client = clientFor(t, { headersTimeoutMs: 5000 });
  await t.rejects(client.request(server.url, { signal: controller.signal }), reason);
});

t.test('an abort signal mid-body errors the body with its own reason', async (t) => {
  const server = await startServer((_req, res) =>
    partialBody(res, 50, 10, () => {
      // stalls until the caller gives up
    }),
  );
  t.teardown(server.close);
  const controller = new AbortController();
  const reason = new Error('caller gave up');
  const response = await clientFor(t, { bodyTimeoutMs: 5000 }).request(server.url, { signal: controller.signal });
  setTimeout(() => controller.abort(reason), 30);
  const result = await drain(response.body);
  t.equal(result.error, reason);
  t.equal(result.ended, false);
});

t.test('readBodyText caps metadata and destroys the stream', async (t) => {
  const big = 'x'.repeat(5000);
  const server = await startServer((req, res) => {
    if (req.url === '/declared') res.end(big);
    else {
      res.writeHead(200); // chunked: the size is only known while reading
      res.write(big.slice(0, 2500));
      setTimeout(() => res.end(big.slice(2500)), 10);
    }
  });
  t.teardown(server.close);
  const client = clientFor(t);
  const declared = await client.request(new URL('/declared', server.url));
  const err = await larderError(readBodyText(declared, 1000, 'npm.packument'));
  t.equal(err.code, 'E_TOO_LARGE');
  t.equal(err.operation, 'npm.packument');
  t.match(err.message, /limits\.maxMetadataSize/);
  t.ok(declared.body.destroyed);
  const chunked = await client.request(new URL('/chunked', server.url));
  t.equal(chunked.headers['content-length'], undefined);
  await t.rejects(readBodyText(chunked, 1000, 'npm.packument'), { code: 'E_TOO_LARGE' });
  t.ok(chunked.body.destroyed);
  const fits = await client.request(new URL('/declared', server.url));
  t.equal((await readBodyText(fits, 5000, 'npm.packument')).length, 5000, 'exactly the cap is allowed');
});

t.test('transport error classification', async (t) => {
  t.match(classifyTransportError(new undiciErrors.ConnectTimeoutError()), { code: 'E_UPSTREAM_TIMEOUT', cause: 'CONNECT_TIMEOUT', retryable: false });
  t.match(classifyTransportError(new undiciErrors.ResponseContentLengthMismatchError()), { code: 'E_UPSTREAM_BAD_RESPONSE' });
  t.match(classifyTransportError(Object.assign(new Error('x'), { code: 'EAI_AGAIN' })), { code: 'E_UPSTREAM_UNREACHABLE', retryable: true });
  t.match(classifyTransportError(Object.assign(new Error('x'), { code: 'ENOTFOUND' })), { retryable: false });
  const refused = Object.assign(new Error('x'), { code: 'ECONNREFUSED' });
  t.match(classifyTransportError(new AggregateError([refused, refused])), { cause: 'ECONNREFUSED', retryable: true });
  t.match(classifyTransportError(new undiciErrors.InvalidArgumentError('bad header')), { code: 'E_INTERNAL' });
});
