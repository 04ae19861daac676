/**
 * Starts a real larder daemon in the test process: config loaded from a YAML file the test
 * writes (through the real loader and validator), its own temp data dir, port 0, and a logger
 * whose lines the test can read.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { startLarder, type RunningLarder } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface TestLarderOptions {
  /** The `repositories` section; defaults to `default` → `npm-store` → the given npm upstream. */
  repositories?: Record<string, unknown>;
  /** Base URL of the npm upstream for the default repositories. */
  npmUpstream?: string;
  /** The PyPI upstream for the default repositories: its simple index URL and any file origins. */
  pypiUpstream?: { url: string; assetOrigins?: string[] };
  /** Maven upstreams for the default repositories, searched in this order. */
  mavenUpstreams?: string[];
  /** Extra top-level config (upstream timeouts, defaults, offline …), merged over the test defaults. */
  config?: Record<string, unknown>;
  /** Reuse a data dir (restart tests). */
  dataDir?: string;
  /**
   * npm ingestion prefetch (on for users). Off by default here: most tests count the upstream
   * requests one client request causes, and prefetch adds its own.
   */
  prefetch?: boolean;
}

export interface TestLarder {
  url: string;
  /** `http://127.0.0.1:PORT/npm/REPO/` */
  npm(repository?: string): string;
  /** `http://127.0.0.1:PORT/pypi/REPO/simple/` */
  pypi(repository?: string): string;
  /** `http://127.0.0.1:PORT/maven/REPO/` */
  maven(repository?: string): string;
  dataDir: string;
  logs: LogLine[];
  daemon: RunningLarder;
  stop(): Promise<void>;
}

/** Short timeouts so fault tests end quickly; tests override what they exercise. */
const TEST_DEFAULTS = {
  upstream: { connectTimeout: '2s', headersTimeout: '3s', bodyTimeout: '3s', retries: 0, breakerThreshold: 3, breakerCooldown: '30s' },
  defaults: { refresh: 'blocking', ingestionDeadline: '10s', prefetch: false },
};

export async function startTestLarder(options: TestLarderOptions): Promise<TestLarder> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'larder-data-')));
  const configDir = await mkdtemp(join(tmpdir(), 'larder-config-'));
  const repositories = options.repositories ?? {
    default: {
      upstreams: ['npm-store', ...(options.pypiUpstream ? ['pypi-store'] : []), ...(options.mavenUpstreams ?? []).map((_url, index) => `maven-${index + 1}`)],
    },
    ...Object.fromEntries((options.mavenUpstreams ?? []).map((url, index) => [`maven-${index + 1}`, { external: { format: 'maven', url } }])),
    'npm-store': { external: { format: 'npm', url: options.npmUpstream ?? 'http://127.0.0.1:9/' } },
    ...(options.pypiUpstream ? { 'pypi-store': { external: { format: 'pypi', ...options.pypiUpstream } } } : {}),
  };
  const defaults = { ...TEST_DEFAULTS.defaults, ...(options.prefetch === undefined ? {} : { prefetch: options.prefetch }) };
  const document = { ...TEST_DEFAULTS, defaults, ...options.config, listen: { host: '127.0.0.1', port: 0 }, dataDir, log: { level: 'info' }, repositories };
  const file = join(configDir, 'larder.yaml');
  await writeFile(file, stringify(document));
  const config = await loadConfig({ file });

  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const daemon = await startLarder(config, { logger: pino({ level: 'debug' }, sink) });
  let stopped = false;
  return {
    url: daemon.url,
    npm: (repository = 'default') => `${daemon.url}/npm/${repository}/`,
    pypi: (repository = 'default') => `${daemon.url}/pypi/${repository}/simple/`,
    maven: (repository = 'default') => `${daemon.url}/maven/${repository}/`,
    dataDir,
    logs,
    daemon,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await daemon.close();
      await rm(configDir, { recursive: true, force: true });
      // maxRetries: a write the daemon finished a moment before close returned may still be
      // landing in the index dir while rm walks it (ENOTEMPTY, seen once under CI load).
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}

/** The request log lines (one per request), in order. */
export function requestLines(logs: LogLine[]): LogLine[] {
  return logs.filter((line) => typeof line.method === 'string' && typeof line.status === 'number');
}
