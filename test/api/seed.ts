/**
 * Test support for the management API: retained versions written straight into a data dir's
 * real sqlite store (before a daemon opens it), and a small JSON client for `/-/api/`.
 */
import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Format, RetainedVersion, VersionStatus } from '../../src/domain/types.js';
import { SqliteRecordStore } from '../../src/store/record-store.js';
import { RetentionRecords } from '../../src/store/records.js';

export interface SeedVersion {
  repository: string;
  format: Format;
  package: string;
  version: string;
  status?: VersionStatus;
  /** Asset bodies; defaults to one asset named after the version. */
  assets?: Array<{ name: string; body: string }>;
}

export function sri(body: string): string {
  return `sha512-${createHash('sha512').update(body).digest('base64')}`;
}

export function retained(seed: SeedVersion): RetainedVersion {
  const assets = seed.assets ?? [{ name: `${seed.package}-${seed.version}.bin`, body: `${seed.package}@${seed.version}` }];
  return {
    format: seed.format,
    package: seed.package,
    version: seed.version,
    status: seed.status ?? 'Published',
    revision: `rev-${seed.version}`,
    assets: assets.map((asset) => ({ name: asset.name, integrity: sri(asset.body), size: Buffer.byteLength(asset.body) })),
    manifest: {},
    origin: { repository: seed.repository, connection: 'custom' },
    retainedAt: '2026-01-02T03:04:05.000Z',
  };
}

/** A fresh data dir holding the given versions (the caller removes it). */
export async function seededDataDir(seeds: SeedVersion[]): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'larder-api-'));
  const records = await SqliteRecordStore.open(join(dataDir, 'records-v1.sqlite'));
  try {
    const retention = new RetentionRecords(records);
    for (const seed of seeds) await retention.retain(seed.repository, retained(seed));
  } finally {
    await records.close();
  }
  return dataDir;
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

/** GET (no body) or POST (JSON body) to `BASE/-/api/PATH`. */
export async function api<T = Record<string, unknown>>(base: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
  const res = await fetch(`${base}/-/api/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}
