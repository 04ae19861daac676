/**
 * The client side of the reliability tests: a fetch that reports a body cut short instead of
 * throwing, the checks every case repeats (no wrong bytes as a complete 200, nothing retained,
 * no credentials upstream), and the leak counters (tmp files, file descriptors).
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import type { TestLarder } from '../../helpers/larder.js';
import type { RawRequest } from './raw-upstream.js';

/** What a client sends larder; none of it may reach an upstream. */
export const CLIENT_SECRETS = {
  authorization: 'Bearer larder-client-token-7c1d5e',
  cookie: 'larder_session=larder-client-cookie-93ab41',
} as const;

export const ABBREVIATED = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

export interface Fetched {
  status: number;
  headers: Headers;
  body: Buffer;
  /** False when the body broke off (the only sign a client gets once a 200 is under way). */
  complete: boolean;
  /** `code` of a JSON error body. */
  code?: string;
  error?: string;
}

/** GET with the client's credentials attached; a body that breaks off is reported, not thrown. */
export async function get(url: string, headers: Record<string, string> = {}): Promise<Fetched> {
  const res = await fetch(url, { headers: { ...CLIENT_SECRETS, ...headers } });
  let body = Buffer.alloc(0);
  let complete = true;
  try {
    body = Buffer.from(await res.arrayBuffer());
  } catch {
    // The response broke off mid-body: exactly what the caller wants to know, as `complete`.
    complete = false;
  }
  const fetched: Fetched = { status: res.status, headers: res.headers, body, complete };
  if (res.status >= 400 && complete) {
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { code?: unknown; error?: unknown };
      if (typeof parsed.code === 'string') fetched.code = parsed.code;
      if (typeof parsed.error === 'string') fetched.error = parsed.error;
    } catch {
      // Not JSON: leave code and error unset, and the assertions on them will say so.
    }
  }
  return fetched;
}

export function sha512(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/** A short label for the case table: `502 E_UPSTREAM_BAD_RESPONSE`, `200 broken`, `200`. */
export function describe(res: Fetched): string {
  if (res.status === 200) return res.complete ? '200' : '200 broken';
  return `${res.status} ${res.code ?? ''}`.trim();
}

/**
 * The invariant of every network fault: the client never gets a complete 200 whose bytes are
 * not the ones expected. A non-200, or a 200 whose body breaks off, is fine.
 */
export function assertNoWrongBytes(t: Test, res: Fetched, expected: Buffer, what: string): void {
  if (res.status !== 200 || !res.complete) {
    t.pass(`${what}: no complete 200 (${describe(res)})`);
    return;
  }
  t.equal(sha512(res.body), sha512(expected), `${what}: a complete 200 carries exactly the expected bytes`);
}

/** Versions of `pkg` retained in `repository`, per the management API ([] when none). */
export async function retainedVersions(larder: TestLarder, pkg: string, repository = 'default'): Promise<string[]> {
  const query = new URLSearchParams({ repository, format: 'npm', package: pkg });
  const res = await fetch(`${larder.url}/-/api/versions?${query.toString()}`);
  if (res.status === 404) {
    await res.arrayBuffer();
    return [];
  }
  const body = (await res.json()) as { versions: Array<{ version: string }> };
  return body.versions.map((entry) => entry.version);
}

async function countFiles(dir: string): Promise<number> {
  let count = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0; // no tmp dir yet: no tmp files
    throw error;
  }
  for (const entry of entries) count += entry.isDirectory() ? await countFiles(join(dir, entry.name)) : 1;
  return count;
}

/** Files in cacache's temp dir: every one left after a settle is a leak. */
export function tmpFileCount(larder: TestLarder): Promise<number> {
  return countFiles(join(larder.dataDir, 'blobs-v1', 'tmp'));
}

/** Files in the content store (committed blobs). */
export function blobCount(larder: TestLarder): Promise<number> {
  return countFiles(join(larder.dataDir, 'blobs-v1', 'content-v2'));
}

/** Open file descriptors of this process (larder, the raw upstream and the test share it). */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** No request that reached `upstream` carried the client's token or cookie, or any cookie. */
export function assertNoCredentials(t: Test, requests: readonly RawRequest[], where: string): void {
  const leaked = requests.filter((request) => {
    const values = Object.values(request.headers).join('\n');
    return request.headers.authorization !== undefined || request.headers.cookie !== undefined || values.includes('larder-client');
  });
  t.same(
    leaked.map((request) => `${request.method} ${request.path}`),
    [],
    `${where}: no request carried Authorization, Cookie or the client's secrets (${requests.length} requests seen)`,
  );
}

/** No response larder sent relayed the upstream's cookie. */
export function assertNoUpstreamCookie(t: Test, res: Fetched, what: string): void {
  t.equal(res.headers.get('set-cookie'), null, `${what}: the upstream's Set-Cookie is not relayed`);
}
