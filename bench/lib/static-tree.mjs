// The workload as plain files, for nginx-static: the same bytes larder served after its cold
// install, laid out so nginx can answer every request npm ci makes.
//
//   www/NAME/index.json            abbreviated packument, as larder served it, with each
//   www/@scope/name/index.json     dist.tarball rewritten from larder's address to nginx's
//   www/NAME/-/FILE.tgz            the tarball bytes larder served
//   www/@scope/name/-/FILE.tgz
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { httpGet } from './util.mjs';

export const CORGI_ACCEPT = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

function platformOk(list, value) {
  if (!Array.isArray(list) || list.length === 0) return true;
  const allowed = list.filter((x) => !x.startsWith('!'));
  const denied = list.filter((x) => x.startsWith('!')).map((x) => x.slice(1));
  if (denied.includes(value)) return false;
  return allowed.length === 0 || allowed.includes(value);
}

/** The packages of a lockfile (v2/v3) that npm ci installs on this platform: [{ name, version }]. */
export function lockfilePackages(lockfile) {
  const lock = JSON.parse(readFileSync(lockfile, 'utf8'));
  const out = [];
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    if (key === '' || entry.link) continue;
    const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (!platformOk(entry.os, process.platform) || !platformOk(entry.cpu, process.arch)) continue;
    out.push({ name, version: entry.version, integrity: entry.integrity });
  }
  return out;
}

export const escapeName = (name) => name.replace('/', '%2f');

async function pool(items, width, fn) {
  let next = 0;
  const workers = Array.from({ length: width }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/**
 * Fetch every packument and tarball of the workload from `larder` (a running, warmed server)
 * into `www`, with tarball URLs pointing at `nginxOrigin`. Resolves with
 * { packuments, tarballs: [{ rel, size }], bytes }.
 */
export async function buildStaticTree({ larder, packages, www, nginxOrigin }) {
  const names = [...new Set(packages.map((p) => p.name))];
  const wanted = new Map(); // name -> Set(version)
  for (const p of packages) {
    if (!wanted.has(p.name)) wanted.set(p.name, new Set());
    wanted.get(p.name).add(p.version);
  }
  const larderPrefix = larder.registry; // http://127.0.0.1:P/npm/default/
  const nginxPrefix = `${nginxOrigin}/`;
  const tarballs = [];
  let bytes = 0;
  const problems = [];
  await pool(names, 8, async (name) => {
    const res = await httpGet(`${larderPrefix}${escapeName(name)}`, { headers: { accept: CORGI_ACCEPT } });
    if (res.status !== 200) {
      problems.push(`packument ${name}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
      return;
    }
    const text = res.body.toString('utf8');
    const rewritten = text.split(larderPrefix).join(nginxPrefix);
    const dir = path.join(www, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'index.json'), rewritten);
    bytes += Buffer.byteLength(rewritten);
    const doc = JSON.parse(text);
    for (const version of wanted.get(name)) {
      const tarball = doc.versions?.[version]?.dist?.tarball;
      if (typeof tarball !== 'string' || !tarball.startsWith(larderPrefix)) {
        problems.push(`${name}@${version}: larder's packument has no tarball URL under ${larderPrefix} (${tarball})`);
        continue;
      }
      const rel = decodeURIComponent(tarball.slice(larderPrefix.length));
      const got = await httpGet(tarball);
      if (got.status !== 200) {
        problems.push(`tarball ${rel}: HTTP ${got.status}`);
        continue;
      }
      const file = path.join(www, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, got.body);
      bytes += got.body.length;
      tarballs.push({ rel, size: got.body.length, name, version });
    }
  });
  if (problems.length > 0) throw new Error(`the static tree is incomplete:\n  ${problems.slice(0, 20).join('\n  ')}`);
  return { packuments: names.length, tarballs, bytes };
}

/** Size of a file in the tree, or 0. */
export function fileSize(file) {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
