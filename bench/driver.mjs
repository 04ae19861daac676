#!/usr/bin/env node
// larder's benchmark driver (issue 6). Start it through bench/run.sh, which installs what it
// needs first. Figures go to stdout as JSON lines, progress to stderr, the table to
// bench/results/DATE.md. See bench/README.md.
//
//   node bench/driver.mjs [--quick] [--runs N] [--outage-runs N] [--probe-runs N]
//                         [--load-runs N] [--load-seconds S] [--work DIR] [--keep] [--out FILE]
//                         [--upstream URL]
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIG_FILE, BIG_NAME, makeBigArtifact, startBigRegistry } from './lib/big-artifact.mjs';
import { blackholeSupport, engageBlackhole, releaseRules } from './lib/blackhole.mjs';
import { npmCi } from './lib/install.mjs';
import { streamClients, wrk } from './lib/load.mjs';
import { Figures, markdown } from './lib/report.mjs';
import { BENCH_DIR, killAllNow, larderServer, nginxServer, REPO_DIR, setPidFile, track, verdaccioServer } from './lib/servers.mjs';
import { buildStaticTree, CORGI_ACCEPT, escapeName, lockfilePackages } from './lib/static-tree.mjs';
import { freePort, hide, httpGet, log, MiB, round, run, scrub, sleep } from './lib/util.mjs';

// ---------------------------------------------------------------------------------------------
// Options

const HELP = `bench/run.sh [options]   (or: node bench/driver.mjs [options] once run.sh has installed everything)

  --quick            1 run of everything, 3 s loads: for working on the harness
  --runs N           cold and warm installs per server, restarts for the ready time (default 3)
  --outage-runs N    black-holed installs per server (default 1; each costs Verdaccio its
                     uplink timeouts, about a minute)
  --probe-runs N     fresh servers probed for a never-cached package in the outage (default 3;
                     they wait in the background, so they cost no wall time)
  --load-runs N      wrk runs per load figure and server (default 1; 3 adds about 2 min)
  --load-seconds S   length of each wrk run (default 10)
  --upstream URL     the registry larder and Verdaccio pull from (default: npm's configured
                     registry, read with the user's npmrc ignored)
  --out FILE         where the markdown goes (default bench/results/DATE.md)
  --work DIR         scratch directory (default: a new one under $TMPDIR, removed at the end)
  --keep             keep the scratch directory

Figures go to stdout as JSON lines, progress to stderr.
`;

function parseArgs(argv) {
  const o = { quick: false, runs: 3, outageRuns: 1, loadRuns: 1, loadSeconds: 10, probeRuns: 3, streams: 50, streamMb: 50, connections: 32, keep: false, work: undefined, out: undefined, upstream: undefined };
  const rest = [...argv];
  const value = (flag) => {
    const v = rest.shift();
    if (v === undefined) throw new Error(`${flag} needs a value`);
    return v;
  };
  const explicit = new Set();
  while (rest.length > 0) {
    const a = rest.shift();
    switch (a) {
      case '--quick': o.quick = true; break;
      case '--runs': o.runs = Number(value(a)); explicit.add('runs'); break;
      case '--load-runs': o.loadRuns = Number(value(a)); explicit.add('loadRuns'); break;
      case '--load-seconds': o.loadSeconds = Number(value(a)); explicit.add('loadSeconds'); break;
      case '--probe-runs': o.probeRuns = Number(value(a)); explicit.add('probeRuns'); break;
      case '--outage-runs': o.outageRuns = Number(value(a)); explicit.add('outageRuns'); break;
      case '--work': o.work = path.resolve(value(a)); break;
      case '--out': o.out = path.resolve(value(a)); break;
      case '--upstream': o.upstream = value(a); break;
      case '--keep': o.keep = true; break;
      case '-h':
      case '--help':
        process.stdout.write(HELP);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a} (try --help)`);
    }
  }
  if (o.quick) {
    if (!explicit.has('runs')) o.runs = 1;
    if (!explicit.has('loadRuns')) o.loadRuns = 1;
    if (!explicit.has('loadSeconds')) o.loadSeconds = 3;
    if (!explicit.has('probeRuns')) o.probeRuns = 1;
    if (!explicit.has('outageRuns')) o.outageRuns = 1;
  }
  for (const k of ['runs', 'outageRuns', 'loadRuns', 'loadSeconds', 'probeRuns']) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new Error(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a positive integer`);
  }
  return o;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Cleanup: every server killed, the black hole released, the work dir removed — on success,
// on failure, and on Ctrl-C.

const cleanups = [];
let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    killAllNow(); // whatever still runs (an npm ci, wrk, servers) ends now
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        log(`cleanup: ${err.message}`);
      }
    }
    killAllNow();
  })();
  return cleaning;
}
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(signal, () => {
    log(`${signal}: stopping servers and cleaning up`);
    cleanup().finally(() => process.exit(code));
  });
}
process.on('exit', () => killAllNow());

// ---------------------------------------------------------------------------------------------
// Set-up

const BENCH_UID = 64123; // the servers run as this otherwise unused uid (see lib/blackhole.mjs)
const WORKLOAD = path.join(BENCH_DIR, 'workload');
const rotate = (list, r) => list.slice(r % list.length).concat(list.slice(0, r % list.length));
const mb = (bytes) => bytes / MiB;

async function upstreamRegistry() {
  if (opts.upstream) return opts.upstream.endsWith('/') ? opts.upstream : `${opts.upstream}/`;
  // npm's own answer, without the user's npmrc (which may point npm at a local larder) and
  // without npm_config_* variables (set when this runs under `npm run`).
  const home = mkdtempSync(path.join(os.tmpdir(), 'larder-bench-npmrc-'));
  try {
    const r = await run('npm', ['config', 'get', 'registry', '--userconfig', '/dev/null'], { env: { PATH: process.env.PATH, HOME: home } });
    const url = r.stdout.trim();
    if (r.code !== 0 || !/^https?:\/\//.test(url)) throw new Error(`npm config get registry failed: ${r.stderr.trim() || url}`);
    const host = new URL(url).hostname;
    if (['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
      throw new Error(`npm's registry is ${url}, a local server; give the real upstream with --upstream URL`);
    }
    return url.endsWith('/') ? url : `${url}/`;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function uidInUse(uid) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      if (m && Number(m[1]) === uid) return true;
    } catch {
      /* gone */
    }
  }
  return false;
}

async function checkTools() {
  const missing = [];
  for (const [cmd, args] of [['nginx', ['-v']], ['wrk', ['-v']], ['npm', ['-v']], ['tar', ['--version']]]) {
    const r = await run(cmd, args).catch(() => ({ code: 127 }));
    // wrk -v prints its usage and exits 1
    if (r.code === 127 || (cmd !== 'wrk' && r.code !== 0)) missing.push(cmd);
  }
  if (!existsSync(path.join(REPO_DIR, 'dist', 'main.js'))) missing.push('larder build (dist/main.js: run `npm ci && npm run build` at the repository root)');
  if (!existsSync(path.join(BENCH_DIR, 'node_modules', 'verdaccio', 'bin', 'verdaccio'))) missing.push('Verdaccio (run `npm ci` in bench/)');
  if (missing.length > 0) throw new Error(`missing: ${missing.join(', ')} — bench/run.sh installs them`);
}

/** Lines a server logged (larder and Verdaccio log at warn, so every line is a warning or worse). */
const serverLogs = { larder: [], verdaccio: [], nginx: [] };
function collectLog(server) {
  const text = server.logTail(100_000);
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let level = 'line';
    let msg = line;
    try {
      const j = JSON.parse(line);
      level = j.level >= 50 ? 'error' : j.level >= 40 ? 'warn' : String(j.level);
      msg = j.msg ?? line;
    } catch {
      if (/\[(error|crit|alert|emerg)\]/.test(line)) level = 'error';
      else if (/\[warn\]/.test(line)) level = 'warn';
    }
    serverLogs[server.kind].push({ label: server.label, level, msg: String(msg).slice(0, 300) });
  }
}

async function stopServer(server) {
  await server.stop();
  collectLog(server);
}

// ---------------------------------------------------------------------------------------------

const figures = new Figures();
const facts = {};
const t0 = Date.now();

async function main() {
  await checkTools();
  const upstream = await upstreamRegistry();
  const upstreamUrl = new URL(upstream);
  hide(upstream, upstreamUrl.origin, upstreamUrl.host, upstreamUrl.hostname);
  const upstreamPort = Number(upstreamUrl.port || (upstreamUrl.protocol === 'https:' ? 443 : 80));
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let uid;
  if (isRoot) {
    if (uidInUse(BENCH_UID)) throw new Error(`uid ${BENCH_UID} is in use by some process; the bench needs it to itself (is another bench running?)`);
    uid = BENCH_UID;
  }
  const blackhole = isRoot ? await blackholeSupport() : { ok: false, reason: 'needs root' };
  if (!blackhole.ok) log(`black-holed upstream figures will be skipped: ${blackhole.reason}`);

  const work = opts.work ?? mkdtempSync(path.join(os.tmpdir(), 'larder-bench-'));
  mkdirSync(work, { recursive: true });
  chmodSync(work, 0o755); // the servers run as another uid
  if (!opts.keep) cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  else cleanups.push(() => log(`work dir kept: ${work}`));
  setPidFile(path.join(work, 'pids'));
  log(`work dir ${work}; servers run as uid ${uid ?? process.getuid?.()}; upstream from npm's config`);

  const packages = lockfilePackages(path.join(WORKLOAD, 'package-lock.json'));
  const names = new Set(packages.map((p) => p.name));
  facts.workload = { entries: packages.length, names: names.size, versions: new Set(packages.map((p) => `${p.name}@${p.version}`)).size };
  log(`workload: ${packages.length} lockfile entries, ${names.size} packages, ${facts.workload.versions} distinct versions`);

  log('making the 50 MB artifact and its local registry');
  const big = await makeBigArtifact(path.join(work, 'big'), opts.streamMb);
  const bigRegistry = await startBigRegistry(big);
  cleanups.push(() => bigRegistry.close());
  facts.big = { size: big.size };

  const running = new Set();
  cleanups.push(async () => {
    await Promise.all([...running].map((s) => stopServer(s)));
    running.clear();
  });
  async function launch(kind, dir, ttl, label) {
    mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const server = (kind === 'larder' ? larderServer : verdaccioServer)({ dir, port, uid, upstream, bigOrigin: bigRegistry.origin, ttl, label });
    running.add(server);
    const ms = await server.start();
    log(`${label}: ready in ${Math.round(ms)} ms (pid ${server.pid}, ${server.origin})`);
    return server;
  }
  async function halt(server) {
    running.delete(server);
    await stopServer(server);
  }
  const install = async (server, label) => {
    const r = await npmCi({ registry: server.registry, workload: WORKLOAD, scratch: path.join(work, 'installs'), label, track });
    log(`${label}: npm ci ${(r.ms / 1000).toFixed(2)} s (${r.added} packages)`);
    return r;
  };

  // ---- Phase 1: cold installs. Each run: a fresh server on an empty store, one npm ci that
  // pulls the whole tree from the upstream. The last run's servers stay up for phase 2.
  const TTL_ONLINE = '1h'; // same for both; no metadata expires during phases 1–2
  const kept = {};
  for (let r = 0; r < opts.runs; r += 1) {
    for (const kind of rotate(['larder', 'verdaccio'], r)) {
      const dir = path.join(work, `${kind}-cold-${r + 1}`);
      const server = await launch(kind, dir, TTL_ONLINE, `${kind} cold #${r + 1}`);
      figures.add('ready_ms', kind, server.readyMs);
      const res = await install(server, `${kind} cold #${r + 1}`);
      figures.add('cold_install_ms', kind, res.ms);
      figures.add('peak_rss_cold_mb', kind, mb(server.memory().hwm));
      if (r < opts.runs - 1) {
        await halt(server);
        rmSync(dir, { recursive: true, force: true });
      } else {
        kept[kind] = { server, dir };
      }
    }
  }
  figures.note('cold_install_ms', 'nginx', { note: 'n/a: nginx has no upstream' });
  const larder = kept.larder.server;
  const verdaccio = kept.verdaccio.server;

  // ---- Phase 2: nginx-static from larder's bytes, then warm installs and load.
  log('building the static tree from larder');
  const nginxDir = path.join(work, 'nginx');
  const www = path.join(nginxDir, 'www');
  mkdirSync(www, { recursive: true });
  const nginxPort = await freePort();
  const tree = await buildStaticTree({ larder, packages, www, nginxOrigin: `http://127.0.0.1:${nginxPort}` });
  mkdirSync(path.join(www, BIG_NAME, '-'), { recursive: true });
  copyFileSync(big.file, path.join(www, BIG_NAME, '-', BIG_FILE));
  facts.tree = { packuments: tree.packuments, tarballs: tree.tarballs.length, bytes: tree.bytes };
  log(`static tree: ${tree.packuments} packuments, ${tree.tarballs.length} tarballs, ${round(mb(tree.bytes))} MB`);

  // The load targets: the workload tarball closest to 300 KB, and express's abbreviated packument.
  const tarball = tree.tarballs.reduce((best, t) => (Math.abs(t.size - 300 * 1024) < Math.abs(best.size - 300 * 1024) ? t : best));
  const packumentName = names.has('express') ? 'express' : [...names][0];
  const packumentSize = readFileSync(path.join(www, packumentName, 'index.json')).length;
  facts.load = { tarball: `${tarball.name}@${tarball.version}`, tarballSize: tarball.size, packument: packumentName, packumentSize };

  let nginx;
  for (let r = 0; r < opts.runs; r += 1) {
    nginx = nginxServer({ dir: nginxDir, www, port: nginxPort, uid, readyPath: `/${escapeName(packumentName)}`, label: `nginx #${r + 1}` });
    running.add(nginx);
    figures.add('ready_ms', 'nginx', await nginx.start());
    if (r < opts.runs - 1) {
      running.delete(nginx);
      await stopServer(nginx);
    }
  }
  log(`nginx: ready (pid ${nginx.pid}, ${nginx.origin})`);
  const all = { larder, verdaccio, nginx };

  // Same answers everywhere before anything is timed.
  const expected = createHash('sha256').update(readFileSync(path.join(www, tarball.rel))).digest('hex');
  for (const [kind, server] of Object.entries(all)) {
    const t = await httpGet(server.tarballUrl(tarball.rel));
    const sha = createHash('sha256').update(t.body).digest('hex');
    if (t.status !== 200 || sha !== expected) throw new Error(`${kind} answered ${tarball.rel} with HTTP ${t.status} and different bytes`);
    const p = await httpGet(`${server.registry}${escapeName(packumentName)}`, { headers: { accept: CORGI_ACCEPT } });
    if (p.status !== 200 || JSON.parse(p.body.toString('utf8')).name !== packumentName) throw new Error(`${kind} answered the ${packumentName} packument with HTTP ${p.status}`);
    facts.load[`${kind}PackumentBytes`] = p.body.length;
  }

  for (let r = 0; r < opts.runs; r += 1) {
    for (const kind of rotate(['larder', 'verdaccio', 'nginx'], r)) {
      const res = await install(all[kind], `${kind} warm #${r + 1}`);
      figures.add('warm_install_ms', kind, res.ms);
    }
  }

  const targets = {
    tarball: (s) => ({ url: s.tarballUrl(tarball.rel), headers: {} }),
    packument: (s) => ({ url: `${s.registry}${escapeName(packumentName)}`, headers: { Accept: CORGI_ACCEPT } }),
  };
  for (let r = 0; r < opts.loadRuns; r += 1) {
    for (const [what, target] of Object.entries(targets)) {
      for (const kind of rotate(['larder', 'verdaccio', 'nginx'], r)) {
        const { url, headers } = target(all[kind]);
        const res = await wrk({ url, headers, connections: opts.connections, seconds: opts.loadSeconds, track });
        log(`${kind} ${what} #${r + 1}: ${Math.round(res.rps)} req/s, p50 ${res.p50_ms} ms, p99 ${res.p99_ms} ms${res.non2xx || res.socket_errors ? `, ${res.non2xx} non-2xx, ${res.socket_errors} socket errors` : ''}`);
        figures.add(`${what}_rps`, kind, res.rps, res.non2xx || res.socket_errors ? { errors: (figures.extra(`${what}_rps`, kind).errors ?? 0) + res.non2xx + res.socket_errors } : undefined);
        figures.add(`${what}_p50_ms`, kind, res.p50_ms);
        figures.add(`${what}_p99_ms`, kind, res.p99_ms);
      }
    }
  }
  for (const [kind, server] of Object.entries(all)) figures.add('peak_rss_mb', kind, mb(server.memory().hwm));

  // ---- Streaming: 50 clients download the stored 50 MB artifact at once.
  for (const kind of ['larder', 'verdaccio', 'nginx']) {
    const server = all[kind];
    if (kind !== 'nginx') {
      const p = await httpGet(server.bigPackumentUrl, { headers: { accept: CORGI_ACCEPT } });
      if (p.status !== 200) throw new Error(`${kind}: packument of ${BIG_NAME}: HTTP ${p.status} ${p.body.toString('utf8').slice(0, 300)}`);
      const first = await httpGet(server.bigTarballUrl, { discardBody: true });
      if (first.status !== 200 || first.bytes !== big.size) throw new Error(`${kind}: first download of ${BIG_FILE}: HTTP ${first.status}, ${first.bytes} bytes`);
      await sleep(1000);
      const before = bigRegistry.requests();
      const second = await httpGet(server.bigTarballUrl, { discardBody: true });
      if (second.status !== 200 || second.bytes !== big.size) throw new Error(`${kind}: second download of ${BIG_FILE}: HTTP ${second.status}, ${second.bytes} bytes`);
      if (bigRegistry.requests() !== before) log(`warning: ${kind} asked its upstream again for ${BIG_FILE} (not served from its store)`);
    }
    await sleep(500);
    const baseline = server.memory().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      const m = server.memory();
      if (m) peak = Math.max(peak, m.rss);
    }, 20);
    const res = await streamClients({ url: server.bigTarballUrl, count: opts.streams, expectBytes: big.size, track });
    clearInterval(sampler);
    peak = Math.max(peak, server.memory()?.rss ?? 0);
    log(`${kind} streaming ${opts.streams} × ${round(mb(big.size))} MB: ${(res.ms / 1000).toFixed(1)} s, ${res.ok} ok, RSS ${round(mb(baseline))} → peak ${round(mb(peak))} MB${res.errors.length ? `, errors: ${res.errors.join('; ')}` : ''}`);
    figures.add('stream_rss_mb', kind, mb(peak), { baseline_mb: round(mb(baseline)), ok: res.ok, failed: res.failed });
    figures.add('stream_rss_growth_mb', kind, mb(peak - baseline));
    figures.add('stream_ms', kind, res.ms);
  }

  for (const s of [larder, verdaccio, nginx]) {
    running.delete(s);
    await stopServer(s);
  }
  if (!opts.keep) rmSync(www, { recursive: true, force: true });

  // Start to first response on a populated store (the stores of phases 1–2), online.
  for (let r = 0; r < opts.runs; r += 1) {
    for (const kind of rotate(['larder', 'verdaccio'], r)) {
      const server = await launch(kind, kept[kind].dir, TTL_ONLINE, `${kind} restart #${r + 1}`);
      figures.add('ready_populated_ms', kind, server.readyMs);
      await halt(server);
    }
  }

  // ---- Phase 3: the black-holed upstream. Both stores are those of phase 1–2; each run
  // restarts the server on its store with a 2 s metadata TTL (everything stored is older), with
  // every connection to the upstream black-holed.
  const TTL_SHORT = '2s';
  figures.note('blackhole_install_ms', 'nginx', { note: 'n/a: nginx has no upstream' });
  if (blackhole.ok) {
    const hole = await engageBlackhole({ uid, upstreamPort, ipv6: blackhole.ipv6 });
    cleanups.push(() => hole.release());
    log(`black hole on: uid ${uid}'s connections to port ${upstreamPort} go to a listener on ${hole.port} that never answers`);
    await sleep(2500); // > TTL, whatever the clocks say
    let probe = 0;
    const probeName = () => `left-pad-never-cached-${++probe}`;
    const probeOnce = async (server, figure) => {
      const name = probeName();
      const res = await httpGet(`${server.registry}${escapeName(name)}`, { headers: { accept: CORGI_ACCEPT }, timeoutMs: 180_000 }).catch((err) => ({ status: `no answer: ${err.message}`, ms: NaN, body: Buffer.alloc(0) }));
      const message = res.body.toString('utf8').replace(/\s+/g, ' ').slice(0, 240);
      log(`${server.label}: GET ${name} → ${res.status} after ${Math.round(res.ms)} ms: ${message}`);
      const prev = figures.extra(figure, server.kind);
      figures.add(figure, server.kind, res.ms, { statuses: [...(prev.statuses ?? []), res.status], message });
    };

    // The first request for a never-cached package after the upstream went dark: fresh
    // servers on empty stores (what they hold does not matter for a package never cached), one
    // per probe run, all asked at once. They only wait on the black hole, so their requests run
    // in the background while the installs below are timed (each prober is started, and ready,
    // before the first timed install).
    const probers = [];
    for (let r = 0; r < opts.probeRuns; r += 1) {
      for (const kind of ['larder', 'verdaccio']) {
        const server = await launch(kind, path.join(work, `${kind}-probe-${r + 1}`), TTL_SHORT, `${kind} outage probe #${r + 1}`);
        figures.add('ready_ms', kind, server.readyMs);
        probers.push(server);
      }
    }
    const probing = Promise.all(probers.map((s) => probeOnce(s, 'uncached_first_error_ms')));

    // Black-holed installs: each run restarts the server on its phase 1–2 store.
    for (let r = 0; r < opts.outageRuns; r += 1) {
      for (const kind of rotate(['larder', 'verdaccio'], r)) {
        const server = await launch(kind, kept[kind].dir, TTL_SHORT, `${kind} black-holed #${r + 1}`);
        const res = await install(server, `${kind} black-holed #${r + 1}`);
        figures.add('blackhole_install_ms', kind, res.ms);
        // A never-cached package once the server has seen the upstream fail for a while.
        await probeOnce(server, 'uncached_error_ms');
        await halt(server);
      }
    }
    await probing;
    for (const s of probers) await halt(s);
    facts.blackhole = { accepted: hole.accepted() };
    await hole.release();
    log(`black hole off (${hole.accepted()} connections were accepted and left unanswered)`);
  } else {
    for (const f of ['blackhole_install_ms', 'uncached_first_error_ms', 'uncached_error_ms']) figures.note(f, 'larder', { note: `skipped: ${blackhole.reason}` });
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function describeLogs() {
  const lines = [];
  for (const kind of ['larder', 'verdaccio', 'nginx']) {
    const entries = serverLogs[kind].filter((e) => e.level === 'error' || e.level === 'warn');
    const counts = {};
    for (const e of entries) counts[e.level] = (counts[e.level] ?? 0) + 1;
    const distinct = new Map();
    for (const e of entries) {
      const key = `${e.level}: ${e.msg.replace(/\d+/g, 'N')}`;
      if (!distinct.has(key)) distinct.set(key, { ...e, n: 0 });
      distinct.get(key).n += 1;
    }
    lines.push(`- ${kind}: ${entries.length === 0 ? 'no warnings or errors logged' : Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`);
    for (const e of [...distinct.values()].slice(0, 6)) lines.push(`  - ${e.n}× ${e.level} (${e.label}): \`${e.msg.replace(/`/g, "'")}\``);
  }
  return lines;
}

async function machine() {
  const cpu = os.cpus();
  const git = await run('git', ['-C', REPO_DIR, 'log', '-1', '--format=%h %s']).catch(() => ({ stdout: '?' }));
  const dirty = await run('git', ['-C', REPO_DIR, 'status', '--porcelain', '--', 'src']).catch(() => ({ stdout: '' }));
  const npmV = await run('npm', ['-v']).catch(() => ({ stdout: '?' }));
  const nginxV = await run('nginx', ['-v']).catch(() => ({ stderr: '?' }));
  return [
    `- ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB RAM, ${os.type()} ${os.release()}`,
    `- load average at start ${facts.loadStart}, at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (other work on the machine shows here)`,
    `- Node ${process.version}, npm ${npmV.stdout.trim()}, ${(nginxV.stderr || '').trim().replace('nginx version: ', '')}, wrk, Verdaccio 6.8.0`,
    `- larder at ${git.stdout.trim()}${dirty.stdout.trim() ? ' (with uncommitted changes in src/)' : ''}`,
  ];
}

const wall = (ms) => `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;

async function report(failure) {
  const date = new Date().toISOString().slice(0, 10);
  const out = opts.out ?? path.join(BENCH_DIR, 'results', `${date}${opts.quick ? '-quick' : ''}.md`);
  for (const line of figures.lines()) process.stdout.write(scrub(`${JSON.stringify(line)}\n`));
  const w = facts.workload ?? {};
  const sections = [
    {
      title: 'What ran',
      lines: [
        `- Workload: \`bench/workload\` — ${w.entries} lockfile entries installed on this platform, ${w.names} packages, ${w.versions} distinct versions${facts.tree ? ` (${facts.tree.packuments} packuments and ${facts.tree.tarballs} tarballs, ${round(mb(facts.tree.bytes))} MB, in nginx's tree)` : ''}.`,
        `- Each install: \`npm ci --ignore-scripts\` in a fresh copy of the workload with a fresh npm cache, against one server.`,
        `- Runs: ${opts.runs} cold, ${opts.runs} warm and ${opts.outageRuns} black-holed install(s) per server, interleaved; ${opts.loadRuns} × ${opts.loadSeconds} s of wrk per load figure (${opts.connections} connections); ${opts.probeRuns} first-request outage probe(s) per server; ${opts.runs} restarts on the populated store.`,
        facts.load ? `- Load targets: tarball of ${facts.load.tarball} (${round(facts.load.tarballSize / 1024)} KB); abbreviated packument of ${facts.load.packument} (larder ${round((facts.load.larderPackumentBytes ?? 0) / 1024)} KB, Verdaccio ${round((facts.load.verdaccioPackumentBytes ?? 0) / 1024)} KB, nginx ${round((facts.load.nginxPackumentBytes ?? 0) / 1024)} KB).` : '- Load: not reached.',
        facts.big ? `- Streaming: ${opts.streams} concurrent downloads of a stored ${round(mb(facts.big.size))} MB tarball, RSS sampled every 20 ms.` : '',
        facts.blackhole ? `- Black hole: ${facts.blackhole.accepted} upstream connections accepted and never answered during phase 3.` : '',
      ].filter(Boolean),
    },
    { title: 'Machine', lines: await machine() },
    { title: 'Server logs (warnings and errors)', lines: describeLogs() },
  ];
  if (failure) sections.unshift({ title: 'RUN FAILED', lines: ['```', String(failure.stack ?? failure).slice(0, 4000), '```'] });
  const text = markdown(figures, { date, wallTime: wall(Date.now() - t0), setupTime: process.env.BENCH_SETUP_SECONDS ? `${process.env.BENCH_SETUP_SECONDS} s` : undefined, args: process.argv.slice(2).filter((a) => a !== '--work' && !a.startsWith('/')).join(' '), sections });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, scrub(text));
  log(`table written to ${path.relative(process.cwd(), out) || out}`);
  process.stderr.write(scrub(`\n${text.split('\n## ')[0]}\n`));
}

facts.loadStart = os.loadavg().map((x) => x.toFixed(2)).join(' ');
let failure;
try {
  await main();
} catch (err) {
  failure = err;
  log(`FAILED: ${err.stack ?? err}`);
}
await cleanup();
if (process.getuid?.() === 0) await releaseRules().catch(() => {});
try {
  await report(failure);
} catch (err) {
  log(`could not write the report: ${err.stack ?? err}`);
  failure ??= err;
}
log(`done in ${wall(Date.now() - t0)}`);
process.exit(failure ? 1 : 0);
