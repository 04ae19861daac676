// Load: wrk for throughput and latency, and a child process of 50 concurrent downloads for the
// streaming-RSS figure.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, tail } from './util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

function toMs(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return null;
  const v = Number(m[1]);
  return { us: v / 1000, ms: v, s: v * 1000, m: v * 60_000 }[m[2]];
}

function toBytes(text) {
  const m = /^([\d.]+)(B|KB|MB|GB|TB)$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }[m[2]];
}

/** Parse wrk's --latency report. */
export function parseWrk(out) {
  const num = (re) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : null;
  };
  const pct = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out);
    return m ? toMs(m[1]) : null;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const transfer = /Transfer\/sec:\s+(\S+)/.exec(out);
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in/),
    p50_ms: pct(50),
    p99_ms: pct(99),
    transfer_per_s: transfer ? toBytes(transfer[1]) : null,
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/) ?? 0,
    socket_errors: socket ? socket.slice(1).map(Number).reduce((a, b) => a + b, 0) : 0,
  };
}

export async function wrk({ url, headers = {}, connections = 32, seconds = 10, threads = 2, track }) {
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '30s', '--latency'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  const result = await run('wrk', args, { track });
  if (result.code !== 0) throw new Error(`wrk ${url} failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`);
  const parsed = parseWrk(result.stdout);
  if (parsed.rps === null) throw new Error(`could not read wrk's report:\n${result.stdout}`);
  return parsed;
}

/**
 * `count` clients downloading `url` at once, each to the end, in a separate process (so the
 * driver's memory sampler keeps its pace). Resolves with { ok, failed, bytes, ms, errors }.
 */
export function streamClients({ url, count, expectBytes, track }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'stream-clients.mjs'), url, String(count), String(expectBytes)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    track?.(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`stream clients exited ${code}: ${tail(out + err)}`));
      }
    });
  });
}
