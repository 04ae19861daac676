import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { createPassthrough, type PassthroughResult } from '../../src/upstream/passthrough.js';
import { deadPort, partialBody, startServer, type TestServer } from './servers.js';

interface Larder {
  url: URL;
  results: PassthroughResult[];
}

/**
 * A stand-in for larder's HTTP layer: every request is passed through to `upstream()` with the
 * same path and query, the way the npm handler forwards search and audit.
 */
async function startProxy(t: Test, upstream: () => URL, timeoutMs = 2000): Promise<Larder> {
  const passthrough = createPassthrough({ timeoutMs });
  const results: PassthroughResult[] = [];
  const server = http.createServer((req, res) => {
    const target = new URL(req.url ?? '/', upstream());
    passthrough.forward(req, res, target, (result) => results.push(result));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await passthrough.close();
  });
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}/`), results };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A plain node:http client, so the headers sent are exactly the ones given. */
function send(
  url: URL,
  options: { method?: string; headers?: Record<string, string>; body?: string; chunked?: boolean } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    // Written in two parts, the body goes out chunked (no Content-Length), as a streaming client sends it.
    if (options.chunked === true && options.body !== undefined) req.write(options.body.slice(0, 5));
    req.end(options.chunked === true ? options.body?.slice(5) : options.body);
  });
}

function upstreamAt(server: TestServer): () => URL {
  return () => server.url;
}

t.test('forwards method, path, query and body; returns status, headers and body', async (t) => {
  const upstream = await startServer((req, res) => {
    res.writeHead(req.method === 'POST' ? 200 : 201, { 'content-type': 'application/json', 'x-upstream': 'yes' });
    res.end(JSON.stringify({ got: req.url }));
  });
  t.teardown(upstream.close);
  const larder = await startProxy(t, upstreamAt(upstream));

  const search = await send(new URL('/-/v1/search?text=left%20pad&size=2', larder.url));
  t.equal(search.status, 201);
  t.equal(search.headers['x-upstream'], 'yes');
  t.same(JSON.parse(search.body), { got: '/-/v1/search?text=left%20pad&size=2' });
  t.equal(upstream.requests[0]?.headers.host, upstream.url.host, 'Host is the upstream, not larder');

  const audit = await send(new URL('/-/npm/v1/security/advisories/bulk', larder.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"left-pad":["1.3.0"]}',
  });
  t.equal(audit.status, 200);
  t.equal(upstream.requests[1]?.method, 'POST');
  t.equal(upstream.requests[1]?.body, '{"left-pad":["1.3.0"]}');
  const chunked = await send(new URL('/-/npm/v1/security/audits/quick', larder.url), { method: 'POST', body: '{"name":"x"}', chunked: true });
  t.equal(chunked.status, 200);
  t.equal(upstream.requests[2]?.headers['transfer-encoding'], 'chunked');
  t.equal(upstream.requests[2]?.body, '{"name":"x"}', 'a chunked upload arrives whole');
  t.same(
    larder.results.map((r) => r.status),
    [201, 200, 200],
  );
  t.notOk(larder.results.some((r) => r.error !== undefined));
});

t.test('credentials and hop-by-hop headers never reach the upstream; cookies never come back', async (t) => {
  const upstream = await startServer((_req, res) => {
    res.writeHead(200, { 'set-cookie': 'session=upstream', 'x-kept': '1', 'content-type': 'text/plain' });
    res.end('ok');
  });
  t.teardown(upstream.close);
  const larder = await startProxy(t, upstreamAt(upstream));
  const answer = await send(new URL('/-/v1/search?text=x', larder.url), {
    headers: {
      authorization: 'Bearer secret-token',
      cookie: 'larder-session=1',
      'proxy-authorization': 'Basic c2VjcmV0',
      connection: 'keep-alive, x-private-hop',
      'x-private-hop': 'listed in Connection',
      'npm-session': 'abc',
      accept: 'application/json',
    },
  });
  t.equal(answer.status, 200);
  t.equal(answer.body, 'ok');
  const seen = upstream.requests[0]?.headers ?? {};
  for (const name of ['authorization', 'cookie', 'proxy-authorization', 'x-private-hop']) {
    t.equal(seen[name], undefined, `${name} stripped`);
  }
  t.equal(seen['npm-session'], 'abc', 'end-to-end headers pass');
  t.equal(seen.accept, 'application/json');
  t.equal(seen['x-forwarded-for'], undefined, "the client's address is not disclosed");
  t.equal(answer.headers['set-cookie'], undefined, 'set-cookie stripped');
  t.equal(answer.headers['x-kept'], '1');
});

t.test('upstream down: 502 JSON naming the origin; the proxy keeps serving', async (t) => {
  const port = await deadPort();
  const dead = new URL(`http://127.0.0.1:${port}/`);
  const upstream = await startServer((_req, res) => res.end('back'));
  t.teardown(upstream.close);
  let current = dead;
  const larder = await startProxy(t, () => current);

  const answer = await send(new URL('/-/v1/search?text=x', larder.url));
  t.equal(answer.status, 502);
  t.match(answer.headers['content-type'], /^application\/json/);
  const body = JSON.parse(answer.body) as { error: string; code: string };
  t.equal(body.code, 'E_UPSTREAM_UNREACHABLE');
  t.match(body.error, dead.origin);
  t.match(body.error, /connection refused/);
  t.match(body.error, /Check that/);
  t.match(larder.results[0], { status: 502, error: { code: 'E_UPSTREAM_UNREACHABLE', details: { cause: 'ECONNREFUSED' } } });

  const again = await send(new URL('/-/v1/search?text=y', larder.url));
  t.equal(again.status, 502, 'a second failure is answered too');
  current = upstream.url;
  const back = await send(new URL('/-/v1/search?text=z', larder.url));
  t.equal(back.status, 200, 'the same proxy serves once the upstream is back');
  t.equal(back.body, 'back');
});

t.test('an upstream that never answers: 504 E_UPSTREAM_TIMEOUT', async (t) => {
  const upstream = await startServer(() => {
    // never answers
  });
  t.teardown(upstream.close);
  const larder = await startProxy(t, upstreamAt(upstream), 150);
  const started = Date.now();
  const answer = await send(new URL('/-/v1/search?text=x', larder.url));
  t.equal(answer.status, 504);
  t.match(JSON.parse(answer.body), { code: 'E_UPSTREAM_TIMEOUT', error: new RegExp(upstream.origin) });
  t.ok(Date.now() - started < 2000);
});

t.test('an upstream that breaks mid-body breaks the client response too', async (t) => {
  const upstream = await startServer((req, res) => partialBody(res, 10_000, 100, () => req.socket.destroy()));
  t.teardown(upstream.close);
  const larder = await startProxy(t, upstreamAt(upstream));
  await t.rejects(send(new URL('/-/v1/search?text=x', larder.url)), 'the client does not get a clean, short 200');
  for (let i = 0; i < 50 && larder.results.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  t.match(larder.results[0], { status: 200, error: { code: 'E_UPSTREAM_UNREACHABLE' } });
});

t.test('a client that hangs up is reported as such, and the proxy goes on', async (t) => {
  const upstream = await startServer((req, res) => {
    if (req.url?.includes('slow') === true) setTimeout(() => res.end('late'), 300);
    else res.end('fast');
  });
  t.teardown(upstream.close);
  const larder = await startProxy(t, upstreamAt(upstream));
  const req = http.request(new URL('/-/v1/search?text=slow', larder.url), { agent: false });
  req.on('error', () => {
    // expected: we destroy this request ourselves
  });
  req.end();
  await new Promise((resolve) => setTimeout(resolve, 50));
  req.destroy();
  for (let i = 0; i < 50 && larder.results.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  t.match(larder.results[0], { status: 499, clientClosed: true });
  t.equal(larder.results[0]?.error, undefined);
  const next = await send(new URL('/-/v1/search?text=quick', larder.url));
  t.equal(next.body, 'fast');
});
