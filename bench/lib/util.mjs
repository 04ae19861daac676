// Small helpers shared by the driver: logging, timing, HTTP, ports, child processes.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

const started = Date.now();
let hidden = [];

/**
 * Never print the upstream's address: every text the bench writes (progress, figures, the
 * report) goes through this, which replaces the given strings with `<upstream>`.
 */
export function hide(...secrets) {
  hidden = [...hidden, ...secrets.filter((s) => typeof s === 'string' && s.length > 3)].sort((a, b) => b.length - a.length);
}

export function scrub(text) {
  let out = String(text);
  for (const secret of hidden) out = out.split(secret).join('<upstream>');
  return out;
}

/** Progress goes to stderr; stdout carries only the machine-readable figure lines. */
export function log(...parts) {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(scrub(`[bench ${t}s] ${parts.join(' ')}\n`));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function median(values) {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

export function round(value, digits = 1) {
  if (value === null || value === undefined || !Number.isFinite(value)) return value ?? null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A port nobody listens on right now (bind 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * One GET without keep-alive. Resolves with status, headers, body (Buffer) and elapsed ms;
 * rejects on a socket error or when `timeoutMs` passes.
 */
export function httpGet(url, { headers = {}, timeoutMs = 120_000, discardBody = false } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { headers, agent: false }, (res) => {
      const chunks = [];
      let bytes = 0;
      res.on('data', (c) => {
        bytes += c.length;
        if (!discardBody) chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), bytes, ms: performance.now() - t0 });
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`GET ${url}: no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Run a command to completion; resolves with { code, stdout, stderr, ms }. Never rejects on exit code. */
export function run(cmd, args, { cwd, env, input, track } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], detached: true });
    track?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), signal, stdout, stderr, ms: performance.now() - t0 }));
    if (input !== undefined) {
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    }
  });
}

/** `VmRSS` and `VmHWM` of one process, in bytes; null when it is gone. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** Direct children of a process (nginx: its workers). */
export function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export const MiB = 1024 * 1024;

export function tail(text, lines = 25) {
  return String(text ?? '').trimEnd().split('\n').slice(-lines).join('\n');
}
