/** The validated, frozen configuration. Produced only by config/load.ts. */
import type { PackageRule } from '../domain/origin-controls.js';
import type { Format } from '../domain/types.js';

/** Names of the public connections (DESIGN.md §1 table). */
export const PUBLIC_CONNECTIONS = {
  'public:npmjs': 'npm',
  'public:pypi': 'pypi',
  'public:maven-central': 'maven',
  'public:maven-googleandroid': 'maven',
  'public:maven-gradleplugins': 'maven',
  'public:maven-commonsware': 'maven',
} as const satisfies Record<string, Format>;

export type PublicConnectionName = keyof typeof PUBLIC_CONNECTIONS;

export interface ExternalConnection {
  /** `public:…` for a public connection, `custom` for `{format, url}`. */
  name: PublicConnectionName | 'custom';
  format: Format;
  /**
   * Base URL. Absent only for `public:npmjs` without a configured url: then it is read from
   * npm's own configuration at run time.
   */
  url?: string;
  /**
   * Other origins this connection's artifacts may be fetched from (PyPI serves files from a
   * separate host). Artifacts are fetched from the connection's own origin otherwise: a link
   * elsewhere is refused, so a document cannot point larder at an arbitrary host.
   */
  assetOrigins: readonly string[];
}

export type RefreshMode = 'blocking' | 'background';

export interface RepositoryConfig {
  name: string;
  description: string;
  /** Direct upstream repositories, in search order (at most 10). */
  upstreams: readonly string[];
  external?: ExternalConnection;
  /** Metadata TTL per format, in milliseconds. */
  metadataTtlMs: Readonly<Record<Format, number>>;
  refresh: RefreshMode;
  /** In milliseconds (default 40 s). */
  ingestionDeadlineMs: number;
  /**
   * How long an upstream's "not found" is remembered, in milliseconds (default 10 min), so a
   * search across several connections does not ask each one every time. During an outage a
   * remembered "not found" still answers 404.
   */
  notFoundTtlMs: number;
  /**
   * npm ingestion prefetch (DESIGN §1): when a client of this repository makes larder fetch a
   * version through an external connection, larder also fetches, in the background, the
   * versions its dependencies would resolve to (and their `latest`), so the tree is retained.
   */
  prefetch: boolean;
  /** Accepts publishes (npm publish, twine upload, mvn deploy) from clients with a token. */
  publish: boolean;
  /** Per-package origin controls (`packages:`), first match wins. */
  packageRules: readonly PackageRule[];
}

export interface UpstreamSettings {
  connectTimeoutMs: number;
  /** Time to the response headers. */
  headersTimeoutMs: number;
  /** Longest silence between body chunks. */
  bodyTimeoutMs: number;
  /** Retries of idempotent requests that failed before any response byte. */
  retries: number;
  /** Consecutive failures that open the breaker for an origin. */
  breakerThreshold: number;
  /** How long the breaker stays open before one probe is let through. */
  breakerCooldownMs: number;
}

export interface AuthSettings {
  /** Every request needs a token (`larder token create`), except the health and ping probes. */
  required: boolean;
}

export interface LarderConfig {
  listen: { host: string; port: number };
  auth: AuthSettings;
  dataDir: string;
  offline: boolean;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  upstream: UpstreamSettings;
  /** Largest metadata document larder will buffer, in bytes. */
  maxMetadataBytes: number;
  /** In configured order. */
  repositories: ReadonlyMap<string, RepositoryConfig>;
}
