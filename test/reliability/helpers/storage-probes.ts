/**
 * Probes for the storage-fault tests: a GET that reports a broken body instead of throwing (one
 * fresh connection per request, so nothing pooled outlives a killed daemon), the on-disk facts
 * the cases check (a blob's content file, the writers' tmp dir), and `larder verify` run
 * in-process on a data dir.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { run } from '../../../src/main.js';

export interface Fetched {
  /** 0 when no response arrived at all (refused, reset before the headers). */
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** True only when the body ended cleanly with every byte Content-Length announced. */
  complete: boolean;
  /** The transport error, if any (the only sign a client gets once a 200 is under way). */
  error?: string;
}

/** GET `url`; never rejects. */
export function fetchBytes(url: string, timeoutMs = 30_000): Promise<Fetched> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (fetched: Fetched): void => {
      if (settled) return;
      settled = true;
      resolve(fetched);
    };
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      const done = (error?: Error): void => {
        const body = Buffer.concat(chunks);
        const declared = res.headers['content-length'];
        const whole = declared === undefined || Number(declared) === body.length;
        finish({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          complete: error === undefined && res.complete && whole,
          ...(error === undefined ? {} : { error: error.message }),
        });
      };
      res.on('end', () => done());
      res.on('error', (error) => done(error));
      res.on('close', () => done(res.complete ? undefined : new Error('the response ended before its body was complete')));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => finish({ status: 0, headers: {}, body: Buffer.alloc(0), complete: false, error: error.message }));
    req.end();
  });
}

/** The response as one short line for assertion messages: `200 complete hit 123456 B`. */
export function summary(res: Fetched): string {
  const cache = typeof res.headers['x-cache'] === 'string' ? ` ${res.headers['x-cache']}` : '';
  return `${res.status} ${res.complete ? 'complete' : `broken (${res.error ?? 'short'})`}${cache} ${res.body.length} B`;
}

/** The JSON error body of a complete error response, if it is one. */
export function errorBody(res: Fetched): { error?: unknown; code?: unknown } | undefined {
  try {
    return JSON.parse(res.body.toString('utf8')) as { error?: unknown; code?: unknown };
  } catch (error) {
    void error; // not JSON: the caller asserts on the undefined
    return undefined;
  }
}

export function sri512(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/** A complete 200 whose bytes are not the expected ones: the one answer a client must never get. */
export function isWrongComplete200(res: Fetched, integrity: string): boolean {
  return res.status === 200 && res.complete && sri512(res.body) !== integrity;
}

export const BLOB_DIR = 'blobs-v1';
export const RECORD_FILE = 'records-v1.sqlite';

/**
 * Where cacache keeps the content of `integrity` (a single sha512 SRI): computed here from its
 * documented layout, independently of larder's own helper, so a layout change shows up.
 */
export function blobFile(dataDir: string, integrity: string): string {
  const [algorithm = '', digest = ''] = integrity.split('-', 2);
  const hex = Buffer.from(digest, 'base64').toString('hex');
  return join(dataDir, BLOB_DIR, 'content-v2', algorithm, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

/** Entries of a directory; [] when it does not exist. */
export async function entriesOf(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The leftovers of interrupted writes: what is in `<dataDir>/blobs-v1/tmp`. */
export function tmpEntries(dataDir: string): Promise<string[]> {
  return entriesOf(join(dataDir, BLOB_DIR, 'tmp'));
}

export interface VerifyRun {
  code: number;
  out: string;
  err: string;
}

/** `larder verify --data-dir DIR`, in-process. */
export async function larderVerify(dataDir: string): Promise<VerifyRun> {
  let out = '';
  let err = '';
  const code = await run(['verify', '--data-dir', dataDir], { stdout: (text) => (out += text), stderr: (text) => (err += text), stdoutIsTTY: false });
  return { code, out, err };
}
