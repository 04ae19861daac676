/**
 * What `larder warm` reads out of a project's lockfile: the exact versions to fetch into a
 * repository, per format, with the digest the lockfile pins when it has one. The readers
 * (src/warm/lockfiles/) produce these; the warmer (src/warm/warmer.ts) fetches them.
 */
import type { Format } from '../domain/types.js';

/** A digest the lockfile pins for the bytes of one file, as an SRI string (`sha512-<base64>`). */
export type PinnedIntegrity = string;

export interface NpmWarmItem {
  format: 'npm';
  /** The package name as the registry knows it (`@scope/name` or `name`), never an alias. */
  name: string;
  /** An exact semver version. */
  version: string;
  /** The tarball's SRI integrity from the lockfile (sha512 or sha1), when it has one. */
  integrity?: PinnedIntegrity;
}

export interface PypiWarmItem {
  format: 'pypi';
  /** The project name as written; the warmer normalises it (PEP 503) for the simple API. */
  name: string;
  /** An exact version (`==` pin). */
  version: string;
  /**
   * Digests of the files the lockfile accepts (`--hash=sha256:…` → `sha256-<base64>`). When
   * given, only files with one of these digests are fetched; when empty, every file of the version.
   */
  integrities: PinnedIntegrity[];
  /** File names the lockfile names (pylock.toml), when it names them; fetched as well. */
  files?: string[];
}

export interface MavenWarmItem {
  format: 'maven';
  groupId: string;
  artifactId: string;
  version: string;
  /** The packaging / file extension (`jar`, `pom`, `war`, …); `jar` when not given. */
  type: string;
  classifier?: string;
}

export type WarmItem = NpmWarmItem | PypiWarmItem | MavenWarmItem;

/** One lockfile's contents: the kind detected, and what it lists. */
export interface LockfileContents {
  /** e.g. `package-lock.json v3`, `pnpm-lock.yaml v9`, `yarn.lock (berry)`, `requirements.txt`. */
  kind: string;
  format: Format;
  items: WarmItem[];
  /** Entries the reader passed over on purpose (links, git or file dependencies), each with why. */
  skipped: Array<{ entry: string; reason: string }>;
}
