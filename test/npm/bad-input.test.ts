// Hostile and malformed requests: a 4xx with a message, nothing written, the daemon keeps serving.
import t from 'tap';
import { connect } from 'node:net';
import { readdir } from 'node:fs/promises';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder } from '../helpers/larder.js';

/** Sends a raw request line, so no client library normalises the path first. */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: close\r\n\r\n`));
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0), body: data.slice(data.indexOf('\r\n\r\n') + 4) }));
    socket.on('error', reject);
  });
}

t.test('malformed names, traversal, unknown repositories, oversized requests', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'ok', versions: { '1.0.0': {} } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  const port = larder.daemon.port;
  const cases: Array<[string, number, RegExp]> = [
    ['/npm/default/../../etc/passwd', 400, /./],
    ['/npm/default/%2e%2e/%2e%2e/etc/passwd', 400, /./],
    ['/npm/default/%2E%2e%2fsecret', 400, /./],
    ['/npm/default/ok/-/..%2f..%2fok-1.0.0.tgz', 400, /./],
    ['/npm/default/@scope%2f..%2fok', 400, /./],
    ['/npm/default/ok%2f-%2fok-1.0.0.tgz', 400, /./],
    ['/npm/default/ok%00', 400, /NUL|CR|LF/],
    ['/npm/default/ok%0d%0aset-cookie:x', 400, /NUL|CR|LF/],
    ['/npm/default/ok/-/other-1.0.0.tgz', 400, /./],
    ['/npm/default/ok/-/ok-notaversion.tgz', 400, /./],
    ['/npm/default/.hidden', 400, /./],
    ['/npm/default/UPPER%20CASE', 400, /./],
    ['/npm/nope/ok', 404, /no repository named "nope"/],
    ['/npm/..%2fdefault/ok', 400, /repository name/],
    ['/elsewhere/x', 404, /nothing is served/],
    [`/npm/default/${'a'.repeat(9000)}`, 414, /longer than/],
  ];
  for (const [path, status, message] of cases) {
    const res = await rawGet(port, path);
    t.equal(res.status, status, `${path.slice(0, 60)} → ${status}`);
    const body = JSON.parse(res.body) as { error: string; code: string };
    t.match(body.error, message, `${path.slice(0, 60)}: message`);
    t.ok(body.code.startsWith('E_'), 'a stable code');
  }
  const method = await fetch(`${larder.npm()}ok`, { method: 'DELETE' });
  t.equal(method.status, 405);
  t.match(((await method.json()) as { error: string }).error, /DELETE/);

  t.equal(registry.requests.length, 0, 'no bad request reached the upstream');
  t.same(await readdir(larder.dataDir).then((names) => names.filter((n) => n !== 'records-v1.sqlite' && n !== 'blobs-v1' && n !== 'daemon.lock' && n !== 'token-secret')), [], 'nothing written outside the stores (and the token secret publishing checks against)');
  const blobs = await readdir(larder.dataDir + '/blobs-v1').catch(() => []);
  t.same(blobs.filter((n) => n !== 'tmp'), [], 'no blob written');
  const healthy = await fetch(`${larder.npm()}ok`);
  t.equal(healthy.status, 200, 'the daemon keeps serving');
  await healthy.arrayBuffer();
});
