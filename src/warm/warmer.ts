/**
 * `larder warm`: fetches every listed version THROUGH the running daemon's client-facing routes,
 * asking exactly what npm, pip and Maven ask, so the daemon fetches, verifies and retains them
 * (DESIGN §1: a version pulled through repository R is retained in R and in the gateway it came
 * from). Bounded concurrency; every file streamed into hashes and dropped, never held. With
 * `dryRun`, nothing is fetched: the management API says what is already retained.
 */
import { LarderError } from '../errors.js';
import { DaemonHttp } from './daemon-http.js';
import { digestBody, fetchThrough, DEFAULT_RETRY_POLICY, type FetchContext, type RetryPolicy } from './fetch-through.js';
import { WarmFailure, asWarmFailure, reportOf, type FailureReport } from './failures.js';
import { ARTIFACT_ACCEPT, dedupeItems, itemLabel, mavenFiles, npmFiles, type PlannedFile } from './items.js';
import { pypiFiles } from './pypi-files.js';
import { awaitRetained, retainedState } from './retained.js';
import type { WarmItem } from './types.js';

export const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 256;
/** The daemon's own rule for repository names; checked here because the name goes into paths. */
const REPOSITORY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$/;

export interface WarmOptions {
  /** The daemon's base URL, e.g. `http://127.0.0.1:7878`. */
  url: string;
  /** For a daemon that requires auth (also taken from the URL's password). */
  token?: string;
  repository: string;
  items: readonly WarmItem[];
  /** Versions warmed at once (each asks for its files one after the other); default 8. */
  concurrency?: number;
  /** Fetch nothing; say what is already retained. */
  dryRun?: boolean;
  onProgress?: (progress: WarmProgress) => void;
  retry?: Partial<RetryPolicy>;
}

export interface WarmProgress {
  /** Items finished (retained, fetched or failed), of `total`. */
  done: number;
  total: number;
  /** Bytes received so far (retried bodies count again). */
  bytes: number;
  failures: number;
  elapsedMs: number;
  bytesPerSecond: number;
}

/**
 * `fetched`: the daemon fetched at least one of its files now; `retained`: it already had them
 * all; `missing` (dry run only): not retained; `failed`: see `failure`.
 */
export type ItemState = 'fetched' | 'retained' | 'missing' | 'failed';

export interface FileOutcome {
  name: string;
  bytes: number;
  /** The daemon's X-Cache for it (`hit`: it already had the bytes). */
  cache?: string;
}

export interface ItemOutcome {
  item: WarmItem;
  label: string;
  state: ItemState;
  files: FileOutcome[];
  /** Bytes of the files fetched in full. */
  bytes: number;
  /** Requests asked again (ingestion in progress, 5xx, broken bodies). */
  retries: number;
  /** Dry run: what is missing. */
  detail?: string;
  failure?: FailureReport;
}

export interface WarmReport {
  repository: string;
  daemon: string;
  dryRun: boolean;
  items: ItemOutcome[];
  fetched: number;
  retained: number;
  missing: number;
  failed: number;
  bytes: number;
  elapsedMs: number;
  /** Every listed version is retained now. */
  ok: boolean;
}

export async function warm(options: WarmOptions): Promise<WarmReport> {
  const concurrency = checkConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY);
  if (!REPOSITORY_NAME.test(options.repository)) {
    throw new LarderError('E_USAGE', `"${options.repository}" is not a repository name (2 to 100 letters, digits, ".", "_", "-", starting with a letter or digit)`, { operation: 'warm.repository' });
  }
  const items = dedupeItems(options.items);
  const http = new DaemonHttp(options.url, options.token, concurrency);
  const started = Date.now();
  try {
    await checkRepository(http, options.repository);
    let bytes = 0;
    let done = 0;
    let failures = 0;
    const progress = (): void => {
      const elapsedMs = Date.now() - started;
      options.onProgress?.({ done, total: items.length, bytes, failures, elapsedMs, bytesPerSecond: bytes / Math.max(elapsedMs / 1000, 0.001) });
    };
    const ctx: FetchContext = {
      http,
      policy: { ...DEFAULT_RETRY_POLICY, ...options.retry },
      onBytes: (count) => {
        bytes += count;
        progress();
      },
    };
    const outcomes: ItemOutcome[] = new Array<ItemOutcome>(items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let index = next++; index < items.length; index = next++) {
        const item = items[index] as WarmItem;
        const outcome = options.dryRun === true ? await checkItem(http, options.repository, item) : await warmItem(ctx, options.repository, item);
        outcomes[index] = outcome;
        done += 1;
        if (outcome.state === 'failed') failures += 1;
        progress();
      }
    };
    progress();
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
    return summarise(options, http, outcomes, Date.now() - started);
  } finally {
    await http.close();
  }
}

function checkConcurrency(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_CONCURRENCY) {
    throw new LarderError('E_USAGE', `--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${value}`, { operation: 'warm.concurrency' });
  }
  return value;
}

/** Before anything else: the daemon answers, accepts us, and has the repository. */
async function checkRepository(http: DaemonHttp, repository: string): Promise<void> {
  let answer;
  try {
    answer = await http.api(`repositories/${repository}`, {});
  } catch (error) {
    throw new LarderError('E_UPSTREAM_UNREACHABLE', `cannot reach larder at ${http.display} (is it running? start it with: larder serve)`, { operation: 'warm.connect', cause: error });
  }
  if (answer.status === 200) return;
  if (answer.status === 401) {
    throw new LarderError('E_UNAUTHORIZED', `larder at ${http.display} requires a token: ${answer.message} (give one with --token or $LARDER_TOKEN)`, { operation: 'warm.connect' });
  }
  if (answer.code === 'E_REPOSITORY_UNKNOWN') {
    throw new LarderError('E_REPOSITORY_UNKNOWN', `${answer.message}; larder repos list shows the repositories (give one with --repo)`, { operation: 'warm.repository' });
  }
  throw new LarderError('E_UPSTREAM_STATUS', `larder at ${http.display} answered ${answer.status} when asked about repository ${repository}: ${answer.message}`, { operation: 'warm.connect' });
}

async function warmItem(ctx: FetchContext, repository: string, item: WarmItem): Promise<ItemOutcome> {
  const label = itemLabel(item);
  const files: FileOutcome[] = [];
  let retries = 0;
  try {
    let planned: PlannedFile[];
    if (item.format === 'pypi') {
      const plan = await pypiFiles(ctx, repository, item);
      retries += plan.retries;
      planned = plan.files;
    } else {
      planned = item.format === 'npm' ? npmFiles(ctx.http, repository, item) : mavenFiles(ctx.http, repository, item);
    }
    for (const file of planned) {
      const what = `${label} (${file.name})`;
      const fetched = await fetchThrough(ctx, file.url, what, ARTIFACT_ACCEPT, (res) => digestBody(res, file.pins, what, ctx.onBytes));
      retries += fetched.retries;
      files.push({ name: file.name, bytes: fetched.value.bytes, ...(fetched.value.cache === undefined ? {} : { cache: fetched.value.cache }) });
    }
    const state = files.every((file) => file.cache === 'hit') ? 'retained' : 'fetched';
    const names = files.map((file) => file.name);
    if (state === 'fetched' && !(await awaitRetained(ctx.http, repository, item, names, ctx.policy.retentionWaitMs))) {
      throw new WarmFailure('not-retained', `${label}: fetched, but ${repository} did not record it as retained within ${ctx.policy.retentionWaitMs / 1000} s`);
    }
    return { item, label, state, files, bytes: total(files), retries };
  } catch (error) {
    const failure = reportOf(asWarmFailure(error), repository);
    return { item, label, state: 'failed', files, bytes: total(files), retries, failure };
  }
}

async function checkItem(http: DaemonHttp, repository: string, item: WarmItem): Promise<ItemOutcome> {
  const label = itemLabel(item);
  try {
    const state = await retainedState(http, repository, item);
    if (state.retained) return { item, label, state: 'retained', files: state.files.map((name) => ({ name, bytes: 0 })), bytes: 0, retries: 0 };
    return { item, label, state: 'missing', files: [], bytes: 0, retries: 0, detail: state.detail };
  } catch (error) {
    return { item, label, state: 'failed', files: [], bytes: 0, retries: 0, failure: reportOf(asWarmFailure(error), repository) };
  }
}

function total(files: FileOutcome[]): number {
  return files.reduce((sum, file) => sum + file.bytes, 0);
}

function summarise(options: WarmOptions, http: DaemonHttp, items: ItemOutcome[], elapsedMs: number): WarmReport {
  const count = (state: ItemState): number => items.filter((item) => item.state === state).length;
  const report = {
    repository: options.repository,
    daemon: http.display,
    dryRun: options.dryRun === true,
    items,
    fetched: count('fetched'),
    retained: count('retained'),
    missing: count('missing'),
    failed: count('failed'),
    bytes: total(items.flatMap((item) => item.files)),
    elapsedMs,
  };
  return { ...report, ok: report.fetched + report.retained === items.length };
}
