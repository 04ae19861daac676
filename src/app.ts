/**
 * Composition root: the one place that builds the concrete stores and clients and wires them
 * into the HTTP server. Building is separate from listening so tests can listen on port 0.
 */
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { editConfigFile, reloadConfig, type ConfigSource } from './config/edit.js';
import { createNpmRegistryResolver } from './config/npm-registry.js';
import { isLoopbackHost } from './config/validate.js';
import { readSavedNpmRegistry } from './login/npm-registry-memory.js';
import type { LarderConfig, RepositoryConfig } from './config/types.js';
import { AssetFiller } from './engine/asset-fill.js';
import { AssetService } from './engine/asset-service.js';
import { HealthCheck } from './engine/health.js';
import { Prefetcher } from './engine/prefetcher.js';
import { OriginBreaker } from './engine/breaker.js';
import type { ChainContext } from './engine/chain.js';
import { ManagementService } from './engine/management/index.js';
import { ConfigHolder, Reconfigurer, type ReloadOutcome } from './engine/management/reconfigure.js';
import { MetadataCache } from './engine/metadata-cache.js';
import { Publisher } from './engine/publishing/index.js';
import { LarderError, describeError } from './errors.js';
import { createApiHandler } from './http/api-handler.js';
import { createNpmHandler } from './http/npm-handler.js';
import { createAuthenticator } from './http/auth.js';
import { PreparedResponses } from './http/prepared-responses.js';
import { createPypiHandler } from './http/pypi-handler.js';
import { createMavenHandler } from './http/maven-handler.js';
import { AssetDigests } from './engine/asset-digests.js';
import { BackgroundTasks } from './engine/background.js';
import { createRouter } from './http/router.js';
import { createHttpServer } from './http/server.js';
import { CacacheBlobStore } from './store/blob-store.js';
import { CachedRecordStore } from './store/cached-record-store.js';
import { SqliteRecordStore } from './store/record-store.js';
import { tokenSecret } from './store/secret.js';
import { lockDataDir } from './store/data-dir-lock.js';
import { probeDataDir } from './store/disk-probe.js';
import { sweepLeftovers } from './store/blob-inventory.js';
import { MetadataRecords, metadataReadCache, NotFoundRecords, RetentionRecords } from './store/records.js';
import { larderUserAgent, UndiciUpstreamClient } from './upstream/client.js';
import { createPassthrough } from './upstream/passthrough.js';

export interface StartOptions {
  logger: Logger;
  /** Where the config came from; without a file, reloads and repository edits are refused. */
  source?: ConfigSource;
}

export interface RunningLarder {
  /** e.g. `http://127.0.0.1:7878` (the real port when the config asked for 0). */
  url: string;
  port: number;
  /** Waits for background refreshes and fills in flight (tests use it before asserting on the store). */
  settle(): Promise<void>;
  /**
   * Reads the config file again and swaps the repositories in between requests (SIGHUP).
   * Optional so that stand-ins for the daemon (CLI tests) need not provide it.
   */
  reload?(): Promise<ReloadOutcome>;
  close(): Promise<void>;
}

/** Blob and record layouts are versioned so a later layout can migrate. */
export const BLOB_DIR = 'blobs-v1';
export const RECORD_FILE = 'records-v1.sqlite';
/** Room for prepared metadata answers: the hot packuments of a few projects, far below the RSS budget. */
const PREPARED_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Cached metadata documents kept in memory: the packuments one install is working through. */
const METADATA_READ_CACHE_BYTES = 8 * 1024 * 1024;

export async function startLarder(config: LarderConfig, options: StartOptions): Promise<RunningLarder> {
  const log = options.logger;
  await mkdir(config.dataDir, { recursive: true }).catch((error: unknown) => {
    throw new LarderError('E_STORE', `cannot create the data directory ${config.dataDir}; give a writable one with --data-dir`, { operation: 'app.start', cause: error });
  });
  const lock = await lockDataDir(config.dataDir);
  // With the lock held no other daemon writes here: what is in the writers' tmp dir was left by
  // one that died mid-write.
  const swept = await sweepLeftovers(join(config.dataDir, BLOB_DIR));
  if (swept > 0) log.info({ swept }, `removed ${swept} leftovers of writes interrupted when larder last stopped`);
  const stored = await SqliteRecordStore.open(join(config.dataDir, RECORD_FILE)).catch(async (error: unknown) => {
    await lock.release();
    throw error;
  });
  const records = new CachedRecordStore(stored, metadataReadCache(METADATA_READ_CACHE_BYTES));
  const blobs = new CacacheBlobStore(join(config.dataDir, BLOB_DIR));
  // Warm metadata answers kept ready to send; every record write about a package drops its own.
  const prepared = new PreparedResponses({ maxBytes: PREPARED_RESPONSE_BYTES });
  const onRecordChange = (format: string, pkg: string): void => prepared.changed(format, pkg);
  const retention = new RetentionRecords(records, onRecordChange);
  const client = new UndiciUpstreamClient(config.upstream);
  const breaker = new OriginBreaker({
    threshold: config.upstream.breakerThreshold,
    cooldownMs: config.upstream.breakerCooldownMs,
    onOpen: (origin, failures, reason) =>
      log.warn({ origin, failures, cooldownMs: config.upstream.breakerCooldownMs, err: reason }, `${origin} failed ${failures} times in a row; serving from the cache without calling it for a while`),
  });
  const passthrough = createPassthrough({ timeoutMs: config.upstream.headersTimeoutMs });

  // The server is built after the parts that need its address (the npm registry's self check).
  const built: { server?: Server } = {};
  const listening = (): { host: string; port: number } | undefined => {
    const address = built.server?.address();
    return address !== null && typeof address === 'object' ? { host: config.listen.host, port: (address as AddressInfo).port } : undefined;
  };
  const npmRegistry = createNpmRegistryResolver({ self: listening, saved: () => readSavedNpmRegistry(config.dataDir) });
  // The one mutable config: requests read it when they start, reloads swap it whole.
  const holder = new ConfigHolder(config);
  const source = options.source;
  const reconfigurer = new Reconfigurer({
    holder,
    log,
    ...(source === undefined ? {} : { access: { file: source.file, load: () => reloadConfig(source), edit: (change) => editConfigFile(source, change) } }),
  });
  const chain: ChainContext = {
    get repositories() {
      return holder.repositories;
    },
    connectionBase: async (repository: RepositoryConfig) => {
      const external = repository.external;
      if (external === undefined) throw new LarderError('E_INTERNAL', `${repository.name} has no external connection`, { operation: 'chain.connection' });
      const url = external.url ?? (await npmRegistry.resolve());
      return new URL(url.endsWith('/') ? url : `${url}/`);
    },
  };

  const cache = new MetadataCache({
    entries: new MetadataRecords(records, onRecordChange),
    client,
    breaker,
    offline: config.offline,
    maxBodyBytes: config.maxMetadataBytes,
    log,
    onChanged: (repository, format, pkg): Promise<void> =>
      assets.forgetNotFound(repository, format, pkg).catch((error: unknown) => log.warn({ repository, pkg, err: describeError(error) }, 'could not forget remembered not-found files')),
  });
  const filler = new AssetFiller({ client, blobs, breaker, log });
  const assets = new AssetService({
    chain, cache, retention, notFound: new NotFoundRecords(records), blobs, filler, client, breaker, offline: config.offline, log,
    onIngested: (protocol, version) => prefetcher.ingested(protocol, version),
  });
  const prefetcher = new Prefetcher({ repositories: () => holder.repositories, metadata: { chain, cache, retention, log }, assets, offline: config.offline, log });
  // Publishing always needs a token, whether or not reading does (issue 9 §3).
  const authenticate = createAuthenticator(await tokenSecret(config.dataDir));
  const publishing = { publisher: new Publisher({ chain, retention, cache, blobs }), authenticate };
  const npm = createNpmHandler({
    metadata: { chain, cache, retention, log },
    publishing,
    assets,
    chain,
    offline: config.offline,
    blobs,
    prepared,
    passthrough: {
      forward: (exchange, target) =>
        new Promise((resolve) => {
          passthrough.forward(exchange.req, exchange.res, target, (result) => {
            if (result.error) exchange.facts.error = result.error;
            resolve();
          });
        }),
    },
  });

  const pypi = createPypiHandler({ metadata: { chain, cache, retention, log }, assets, chain, retention, blobs, publishing });
  const background = new BackgroundTasks();
  const digests = new AssetDigests(blobs);
  const maven = createMavenHandler({ metadata: { chain, cache, retention, log }, assets, digests, blobs, background, log, publishing });

  const management = new ManagementService({
    get repositories() {
      return holder.repositories;
    },
    retention, blobs, breaker, connectionUrl: (repository) => chain.connectionBase(repository),
  });

  const version = larderUserAgent().split('/')[1] ?? 'unknown';
  const health = new HealthCheck({
    repositories: () => holder.repositories,
    connectionBase: (repository) => chain.connectionBase(repository),
    breaker,
    probeStore: () => probeDataDir(config.dataDir),
    offline: config.offline,
    version,
    startedAt: Date.now(),
  });
  const httpServer = createHttpServer({
    log,
    handler: createRouter({
      formats: { npm, pypi, maven },
      api: createApiHandler(management, reconfigurer),
      repositoryNames: () => [...holder.repositories.keys()],
      version,
      health: () => health.report(),
      ...(config.auth.required ? { authenticate } : {}),
    }),
    fallbackOrigin: () => `http://${config.listen.host}:${listening()?.port ?? config.listen.port}`,
    loopbackOnly: isLoopbackHost(config.listen.host),
  });
  built.server = httpServer;
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new LarderError('E_LISTEN', `cannot listen on ${config.listen.host}:${config.listen.port} (${error.code ?? error.message}); choose another with --port or --host`, {
          operation: 'app.listen',
          cause: error,
        }),
      );
    });
    httpServer.listen(config.listen.port, config.listen.host, resolve);
  }).catch(async (error: unknown) => {
    await Promise.allSettled([records.close(), blobs.close(), client.close(), passthrough.close()]);
    await lock.release();
    throw error;
  });
  const port = listening()?.port ?? config.listen.port;
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;

  const settle = async (): Promise<void> => {
    await background.settle();
    // A fill that settles can start prefetches, whose fills can start more: until all is quiet.
    do {
      await prefetcher.settle();
      await Promise.all([cache.settle(), assets.settle()]);
    } while (!prefetcher.idle);
  };
  return {
    url: `http://${host}:${port}`,
    port,
    settle,
    reload: () => reconfigurer.reload(),
    close: async () => {
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeIdleConnections();
      });
      prefetcher.stop();
      await settle();
      await Promise.allSettled([client.close(), passthrough.close()]);
      await records.close();
      await blobs.close();
      await lock.release();
    },
  };
}
