// The three servers under test, each started fresh in its own directory by the driver:
// larder (dist/main.js), Verdaccio 6.8 (bench/node_modules) and nginx serving a static tree.
import { spawn } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIG_FILE, BIG_NAME } from './big-artifact.mjs';
import { childrenOf, httpGet, log, memoryOf, sleep, tail } from './util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BENCH_DIR = path.resolve(here, '..');
export const REPO_DIR = path.resolve(BENCH_DIR, '..');

/** Every process the bench started and has not yet seen exit, by pid (process-group leaders). */
const live = new Map();
let pidFile;

/** Also append each tracked pid to this file, so run.sh's exit trap can end them if the driver dies. */
export function setPidFile(file) {
  pidFile = file;
}

function writePidFile() {
  if (pidFile === undefined) return;
  try {
    writeFileSync(pidFile, [...live.keys()].map((pid) => `${pid}\n`).join(''));
  } catch {
    /* the work dir is being removed */
  }
}

export function killAllNow() {
  for (const pid of live.keys()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
}

/** Track a child spawned with detached: true (its own process group) so exit handlers can kill it. */
export function track(child) {
  if (child.pid === undefined) return;
  live.set(child.pid, child);
  writePidFile();
  child.once('exit', () => {
    live.delete(child.pid);
    writePidFile();
  });
}

/** chown -R, for the directories the servers (running as the bench uid) write to. */
export function chownTree(dir, uid) {
  if (uid === undefined) return;
  chownSync(dir, uid, uid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, uid);
    else chownSync(p, uid, uid);
  }
}

/**
 * One running server. `start()` spawns it and resolves with the milliseconds from spawn to
 * the first 200 on its ready URL (polled every 5 ms).
 */
class Server {
  constructor({ kind, label, dir, port, cmd, args, uid, env, readyPath, registryPath, tarballPrefix }) {
    Object.assign(this, { kind, label: label ?? kind, dir, port, cmd, args, uid, env, readyPath, registryPath, tarballPrefix });
    this.origin = `http://127.0.0.1:${port}`;
    this.registry = `${this.origin}${registryPath}`;
    this.logFile = path.join(dir, `${kind}.log`);
    this.child = undefined;
    this.exited = undefined;
  }

  /** URL of a stored tarball, by its path under the registry root (`NAME/-/FILE`). */
  tarballUrl(rel) {
    return `${this.origin}${this.tarballPrefix}${rel}`;
  }

  async start({ timeoutMs = 60_000 } = {}) {
    const fd = openSync(this.logFile, 'a');
    let cmd = this.cmd;
    let args = this.args;
    if (this.uid !== undefined) {
      // setpriv execs: the pid we get is the server's own pid.
      args = [`--reuid=${this.uid}`, `--regid=${this.uid}`, '--clear-groups', '--', cmd, ...args];
      cmd = 'setpriv';
    }
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: this.dir, env: this.env, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    track(child);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let gone = null;
    this.exited.then((how) => (gone = how));
    const url = `${this.origin}${this.readyPath}`;
    for (;;) {
      if (gone) throw new Error(`${this.label} exited (${gone.signal ?? gone.code}) before it answered ${url}:\n${tail(readFileSync(this.logFile, 'utf8'))}`);
      try {
        const res = await httpGet(url, { timeoutMs: 5_000 });
        if (res.status === 200) break;
      } catch {
        /* not listening yet */
      }
      if (performance.now() - t0 > timeoutMs) {
        await this.stop();
        throw new Error(`${this.label} did not answer ${url} within ${timeoutMs} ms:\n${tail(readFileSync(this.logFile, 'utf8'))}`);
      }
      await sleep(5);
    }
    this.readyMs = performance.now() - t0;
    return this.readyMs;
  }

  get pid() {
    return this.child?.pid;
  }

  /** Current and peak resident memory in bytes, summed over the process and its children (nginx workers). */
  memory() {
    if (this.pid === undefined) return null;
    const pids = [this.pid, ...childrenOf(this.pid)];
    let rss = 0;
    let hwm = 0;
    for (const pid of pids) {
      const m = memoryOf(pid);
      if (m === null) continue;
      rss += m.rss;
      hwm += m.hwm;
    }
    return { rss, hwm };
  }

  logTail(lines = 25) {
    return existsSync(this.logFile) ? tail(readFileSync(this.logFile, 'utf8'), lines) : '';
  }

  async stop() {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const done = await Promise.race([this.exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!done) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await this.exited;
    }
    // nginx workers and anything else left in the group
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/**
 * The machine's trust settings, which a server needs to reach the upstream (e.g. a CA added for
 * an intercepting proxy). Proxy variables are deliberately not passed: the black hole acts on
 * connections to the upstream's own port.
 */
const PASSED_ENV = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'TZ'];

function serverEnv(home) {
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    LANG: 'C.UTF-8',
  };
  for (const key of PASSED_ENV) if (process.env[key] !== undefined) env[key] = process.env[key];
  return env;
}

/**
 * larder: repository `default` searches the gateway `npm-store` (as in larder's embedded
 * default), whose external connection is the upstream registry; `bench-big` is a gateway to the
 * bench-local registry of the 50 MB artifact.
 */
export function larderServer({ dir, port, uid, upstream, bigOrigin, ttl, label }) {
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  const config = path.join(dir, 'larder.yaml');
  writeFileSync(
    config,
    [
      '# generated by bench/lib/servers.mjs',
      'listen:',
      '  host: 127.0.0.1',
      `  port: ${port}`,
      `dataDir: ${JSON.stringify(path.join(dir, 'data'))}`,
      'log:',
      '  level: warn',
      'defaults:',
      '  metadataTtl:',
      `    npm: ${ttl}`,
      'repositories:',
      '  default:',
      '    upstreams: [npm-store]',
      '  npm-store:',
      `    external: { format: npm, url: ${JSON.stringify(upstream)} }`,
      '  bench-big:',
      `    external: { format: npm, url: ${JSON.stringify(`${bigOrigin}/`)} }`,
      '',
    ].join('\n'),
  );
  chownTree(dir, uid);
  return new Server({
    kind: 'larder',
    label,
    dir,
    port,
    uid,
    cmd: process.execPath,
    args: [path.join(REPO_DIR, 'dist', 'main.js'), 'serve', '--config', config],
    env: serverEnv(dir),
    readyPath: '/npm/default/-/ping',
    registryPath: '/npm/default/',
    tarballPrefix: '/npm/default/',
  }).withBig(`/npm/bench-big/${BIG_NAME}`, `/npm/bench-big/${BIG_NAME}/-/${BIG_FILE}`);
}

/** Verdaccio 6.8 with its defaults except: storage here, the uplink, logs at warn, the TTL. */
export function verdaccioServer({ dir, port, uid, upstream, bigOrigin, ttl, label }) {
  mkdirSync(path.join(dir, 'storage'), { recursive: true });
  const config = path.join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      '# generated by bench/lib/servers.mjs',
      `storage: ${JSON.stringify(path.join(dir, 'storage'))}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(path.join(dir, 'htpasswd'))}`,
      '    max_users: -1',
      'uplinks:',
      '  upstream:',
      `    url: ${JSON.stringify(upstream)}`,
      `    maxage: ${ttl}`,
      '  bench-big:',
      `    url: ${JSON.stringify(`${bigOrigin}/`)}`,
      'packages:',
      `  '${BIG_NAME}':`,
      '    access: $all',
      '    proxy: bench-big',
      "  '@*/*':",
      '    access: $all',
      '    proxy: upstream',
      "  '**':",
      '    access: $all',
      '    proxy: upstream',
      'listen:',
      `  - 127.0.0.1:${port}`,
      'log: { type: stdout, format: json, level: warn }',
      '',
    ].join('\n'),
  );
  chownTree(dir, uid);
  return new Server({
    kind: 'verdaccio',
    label,
    dir,
    port,
    uid,
    cmd: process.execPath,
    args: [path.join(BENCH_DIR, 'node_modules', 'verdaccio', 'bin', 'verdaccio'), '--config', config],
    env: serverEnv(dir),
    readyPath: '/-/ping',
    registryPath: '/',
    tarballPrefix: '/',
  }).withBig(`/${BIG_NAME}`, `/${BIG_NAME}/-/${BIG_FILE}`);
}

/** nginx serving `www` (built by static-tree.mjs): `/NAME` → NAME/index.json, tarballs as files. */
export function nginxServer({ dir, www, port, uid, readyPath, label }) {
  for (const sub of ['tmp', 'logs']) mkdirSync(path.join(dir, sub), { recursive: true });
  const config = path.join(dir, 'nginx.conf');
  const t = (name) => path.join(dir, 'tmp', name);
  writeFileSync(
    config,
    [
      '# generated by bench/lib/servers.mjs',
      'daemon off;',
      'master_process on;',
      'worker_processes 2;',
      `pid ${path.join(dir, 'nginx.pid')};`,
      `error_log ${path.join(dir, 'logs', 'error.log')} warn;`,
      'events { worker_connections 4096; }',
      'http {',
      '  access_log off;',
      '  sendfile on;',
      '  tcp_nopush on;',
      '  tcp_nodelay on;',
      '  keepalive_timeout 65;',
      '  keepalive_requests 1000000;',
      '  types { application/json json; application/octet-stream tgz; }',
      '  default_type application/json;',
      `  client_body_temp_path ${t('body')};`,
      `  proxy_temp_path ${t('proxy')};`,
      `  fastcgi_temp_path ${t('fastcgi')};`,
      `  uwsgi_temp_path ${t('uwsgi')};`,
      `  scgi_temp_path ${t('scgi')};`,
      '  server {',
      `    listen 127.0.0.1:${port};`,
      `    root ${www};`,
      '    # nginx decodes %2f, so /@scope%2fname finds @scope/name/index.json',
      '    location / { try_files $uri/index.json $uri =404; }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  chownTree(dir, uid);
  return new Server({
    kind: 'nginx',
    label,
    dir,
    port,
    uid,
    cmd: 'nginx',
    args: ['-p', dir, '-e', path.join(dir, 'logs', 'error.log'), '-c', config],
    env: { PATH: process.env.PATH },
    readyPath,
    registryPath: '/',
    tarballPrefix: '/',
  }).withBig(`/${BIG_NAME}`, `/${BIG_NAME}/-/${BIG_FILE}`);
}

Server.prototype.withBig = function withBig(packumentPath, tarballPath) {
  this.bigPackumentUrl = `${this.origin}${packumentPath}`;
  this.bigTarballUrl = `${this.origin}${tarballPath}`;
  return this;
};

export function dirSize(dir) {
  let total = 0;
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) total += statSync(p).size;
    }
  };
  if (existsSync(dir)) walk(dir);
  return total;
}

export { log };
