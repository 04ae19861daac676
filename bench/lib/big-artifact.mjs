// The 50 MB artifact for the streaming-RSS figure, and the tiny local npm registry that serves it.
//
// The public registry has no 50 MB package we could rely on, so the bench makes one: a real
// .tgz (package/package.json plus 50 MiB of random, incompressible bytes) with its sha512
// integrity, published by a bench-local registry on 127.0.0.1. larder gets a second gateway
// repository whose external connection is that registry, Verdaccio a second uplink for that one
// package name, nginx the same file in its static tree. Each server then pulls it once through
// its normal proxy path (packument, then tarball) and stores it, exactly as it would a real
// package; the figure is taken while 50 clients download the stored copy at once.
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { run } from './util.mjs';

export const BIG_NAME = 'larder-bench-big';
export const BIG_VERSION = '1.0.0';
export const BIG_FILE = `${BIG_NAME}-${BIG_VERSION}.tgz`;

async function writeRandom(file, bytes) {
  const out = createWriteStream(file);
  const chunk = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < bytes; written += chunk.length) {
    randomFillSync(chunk);
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
  }
  await new Promise((resolve, reject) => out.end((err) => (err ? reject(err) : resolve())));
}

async function digests(file) {
  const sha512 = createHash('sha512');
  const sha1 = createHash('sha1');
  for await (const chunk of createReadStream(file)) {
    sha512.update(chunk);
    sha1.update(chunk);
  }
  return { integrity: `sha512-${sha512.digest('base64')}`, shasum: sha1.digest('hex') };
}

/** Build the .tgz under `dir`; resolves with { file, size, integrity, shasum }. */
export async function makeBigArtifact(dir, megabytes = 50) {
  const src = path.join(dir, 'src', 'package');
  mkdirSync(src, { recursive: true });
  writeFileSync(path.join(src, 'package.json'), JSON.stringify({ name: BIG_NAME, version: BIG_VERSION, description: 'larder benchmark: a 50 MB artifact', license: 'MIT' }, null, 2));
  await writeRandom(path.join(src, 'blob.bin'), megabytes * 1024 * 1024);
  const file = path.join(dir, BIG_FILE);
  const tar = await run('tar', ['-czf', file, '-C', path.dirname(src), 'package']);
  if (tar.code !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  return { file, size: statSync(file).size, ...(await digests(file)) };
}

/** A registry that knows one package. Resolves with { origin, close(), requests() }. */
export async function startBigRegistry(artifact) {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests += 1;
    const origin = `http://${req.headers.host}`;
    const url = decodeURIComponent(req.url.split('?')[0]);
    if (url === `/${BIG_NAME}`) {
      const now = new Date().toISOString();
      const doc = {
        name: BIG_NAME,
        'dist-tags': { latest: BIG_VERSION },
        modified: now,
        time: { created: now, modified: now, [BIG_VERSION]: now },
        versions: {
          [BIG_VERSION]: {
            name: BIG_NAME,
            version: BIG_VERSION,
            dist: { tarball: `${origin}/${BIG_NAME}/-/${BIG_FILE}`, integrity: artifact.integrity, shasum: artifact.shasum },
          },
        },
      };
      const body = JSON.stringify(doc);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (url === `/${BIG_NAME}/-/${BIG_FILE}`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': artifact.size });
      createReadStream(artifact.file).pipe(res);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'not found' }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
