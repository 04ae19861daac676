/**
 * The in-memory state behind the fake Maven repository: which artifacts and versions exist, the
 * bytes of every file (built by maven-artifacts.ts when a version is published), SNAPSHOT builds
 * with their timestamps, and the maven-metadata.xml documents that follow from all that. No sockets.
 *
 * Times come from a logical clock that advances at least one second per mutation, because
 * Last-Modified and metadata's lastUpdated have one-second precision: two publishes in the same
 * second must still look different to a client revalidating. `latest` / `release` follow the order
 * of publication, as deploys record them, not version order (larder recomputes them itself).
 */
import {
  artifactPath,
  buildAttachedJar,
  buildJar,
  buildModule,
  buildPom,
  groupPath,
  snapshotTimestamp,
  type MavenDependency,
} from './maven-artifacts.js';
import { artifactMetadata, snapshotMetadata } from './maven-metadata.js';

/** One version as a test describes it. The default is a pom and a jar. */
export interface FakeMavenVersionSpec {
  dependencies?: MavenDependency[];
  /** `jar` (default) publishes a jar; `pom` publishes only the pom. */
  packaging?: string;
  /** Also publish `-sources.jar` / `-javadoc.jar` / a Gradle `.module` (and the pom's Gradle marker). */
  sources?: boolean;
  javadoc?: boolean;
  module?: boolean;
  /** No `.sha1` sidecar and no X-Checksum-Sha1 header for this version's files (other digests stay). */
  noSha1?: boolean;
  /** Extra jar entries by path (compiled classes, resources). */
  entries?: Record<string, string | Buffer>;
}

export interface FakeMavenArtifactSpec {
  groupId: string;
  artifactId: string;
  /** A key ending in `-SNAPSHOT` is published once as a timestamped build. */
  versions: Record<string, FakeMavenVersionSpec>;
}

/** Something the fake can serve: a file or a metadata document. */
export interface RepoEntry {
  bytes: Buffer;
  modified: Date;
  /** Metadata is generated; files are artifacts (only files take the `wrong-digest` fault). */
  kind: 'file' | 'metadata';
  noSha1: boolean;
}

interface StoredFile {
  path: string;
  classifier?: string;
  extension: string;
  bytes: Buffer;
}

interface Publication {
  /** The version written into file names: the version itself, or `1.1-20240101.120000-3`. */
  fileVersion: string;
  timestamp?: string;
  buildNumber?: number;
  published: Date;
  files: StoredFile[];
}

interface VersionState {
  version: string;
  spec: FakeMavenVersionSpec;
  /** A release has one; a SNAPSHOT keeps every build, newest last, as a remote repository does. */
  publications: Publication[];
}

interface ArtifactState {
  groupId: string;
  artifactId: string;
  /** In publication order. */
  versions: Map<string, VersionState>;
  modified: Date;
}

const isSnapshot = (version: string): boolean => version.endsWith('-SNAPSHOT');

function buildFiles(groupId: string, artifactId: string, version: string, fileVersion: string, spec: FakeMavenVersionSpec): StoredFile[] {
  const coordinates = { groupId, artifactId, version };
  // A SNAPSHOT build stamps its jars so each build has distinct bytes; releases are deterministic.
  const stamp = isSnapshot(version) ? fileVersion : undefined;
  const file = (bytes: Buffer, extension: string, classifier?: string): StoredFile => ({
    path: artifactPath({ ...coordinates, fileVersion, extension, ...(classifier === undefined ? {} : { classifier }) }),
    extension,
    bytes,
    ...(classifier === undefined ? {} : { classifier }),
  });
  const pom = buildPom({ ...coordinates, dependencies: spec.dependencies ?? [], ...(spec.packaging === undefined ? {} : { packaging: spec.packaging }), gradleMetadata: spec.module === true });
  const files = [file(Buffer.from(pom), 'pom')];
  const packaging = spec.packaging ?? 'jar';
  let jar: Buffer | undefined;
  if (packaging !== 'pom') {
    jar = buildJar({ ...coordinates, pom, ...(stamp === undefined ? {} : { stamp }), ...(spec.entries === undefined ? {} : { entries: spec.entries }) });
    files.push(file(jar, packaging));
  }
  if (spec.sources === true) files.push(file(buildAttachedJar({ ...coordinates, classifier: 'sources', ...(stamp === undefined ? {} : { stamp }) }), 'jar', 'sources'));
  if (spec.javadoc === true) files.push(file(buildAttachedJar({ ...coordinates, classifier: 'javadoc', ...(stamp === undefined ? {} : { stamp }) }), 'jar', 'javadoc'));
  if (spec.module === true) {
    const jarFile = jar === undefined ? {} : { jar: { name: `${artifactId}-${fileVersion}.${packaging}`, bytes: jar } };
    files.push(file(Buffer.from(buildModule({ ...coordinates, dependencies: spec.dependencies ?? [], ...jarFile })), 'module'));
  }
  return files;
}

export class FakeMavenRepo {
  private readonly artifacts = new Map<string, ArtifactState>();
  private index = new Map<string, RepoEntry>();
  private lastTick = 0;

  constructor(specs: readonly FakeMavenArtifactSpec[]) {
    for (const spec of specs) {
      for (const [version, versionSpec] of Object.entries(spec.versions)) this.publish(spec.groupId, spec.artifactId, version, versionSpec);
    }
  }

  /**
   * Publishes a version. A new release or SNAPSHOT is appended to the version list; publishing a
   * SNAPSHOT again adds a build (timestamp and buildNumber bumped); publishing an existing release
   * again replaces its files (an upstream edit, for immutability tests). Returns the file version.
   */
  publish(groupId: string, artifactId: string, version: string, spec?: FakeMavenVersionSpec): string {
    const key = `${groupId}:${artifactId}`;
    const now = this.tick();
    let artifact = this.artifacts.get(key);
    if (artifact === undefined) {
      artifact = { groupId, artifactId, versions: new Map(), modified: now };
      this.artifacts.set(key, artifact);
    }
    const existing = artifact.versions.get(version);
    const state: VersionState = existing ?? { version, spec: spec ?? {}, publications: [] };
    if (spec !== undefined) state.spec = spec;
    let publication: Publication;
    if (isSnapshot(version)) {
      const buildNumber = (state.publications.at(-1)?.buildNumber ?? 0) + 1;
      const timestamp = snapshotTimestamp(now);
      const fileVersion = `${version.slice(0, -'-SNAPSHOT'.length)}-${timestamp}-${buildNumber}`;
      publication = { fileVersion, timestamp, buildNumber, published: now, files: buildFiles(groupId, artifactId, version, fileVersion, state.spec) };
      state.publications.push(publication);
    } else {
      publication = { fileVersion: version, published: now, files: buildFiles(groupId, artifactId, version, version, state.spec) };
      state.publications = [publication];
    }
    artifact.versions.set(version, state);
    artifact.modified = now;
    this.reindex();
    return publication.fileVersion;
  }

  remove(groupId: string, artifactId: string, version: string): void {
    const artifact = this.artifacts.get(`${groupId}:${artifactId}`);
    if (artifact?.versions.delete(version) !== true) throw new Error(`fake Maven: no version ${groupId}:${artifactId}:${version}`);
    artifact.modified = this.tick();
    // With no versions left the artifact is gone: its metadata answers 404, as on a real repository.
    if (artifact.versions.size === 0) this.artifacts.delete(`${groupId}:${artifactId}`);
    this.reindex();
  }

  /** The current timestamped file version of a SNAPSHOT (`1.1-20240101.120000-2`), or the release itself. */
  fileVersion(groupId: string, artifactId: string, version: string): string | undefined {
    return this.artifacts.get(`${groupId}:${artifactId}`)?.versions.get(version)?.publications.at(-1)?.fileVersion;
  }

  /** A file or metadata document by repository-relative path (no leading slash). */
  lookup(path: string): RepoEntry | undefined {
    return this.index.get(path);
  }

  /** Every path served from memory, for tests that walk the layout. */
  paths(): string[] {
    return [...this.index.keys()];
  }

  private tick(): Date {
    const now = Math.floor(Date.now() / 1000) * 1000;
    this.lastTick = Math.max(now, this.lastTick + 1000);
    return new Date(this.lastTick);
  }

  /** Rebuilds the path index and the metadata documents after a mutation. */
  private reindex(): void {
    const index = new Map<string, RepoEntry>();
    for (const artifact of this.artifacts.values()) {
      const base = `${groupPath(artifact.groupId)}/${artifact.artifactId}`;
      const states = [...artifact.versions.values()];
      for (const state of states) {
        const noSha1 = state.spec.noSha1 === true;
        for (const publication of state.publications) {
          for (const file of publication.files) index.set(file.path, { bytes: file.bytes, modified: publication.published, kind: 'file', noSha1 });
        }
        const current = state.publications.at(-1);
        if (current?.timestamp !== undefined && current.buildNumber !== undefined) {
          const xml = snapshotMetadata({
            groupId: artifact.groupId,
            artifactId: artifact.artifactId,
            version: state.version,
            timestamp: current.timestamp,
            buildNumber: current.buildNumber,
            updated: current.published,
            files: current.files.map((file) => ({ extension: file.extension, value: current.fileVersion, updated: current.published, ...(file.classifier === undefined ? {} : { classifier: file.classifier }) })),
          });
          index.set(`${base}/${state.version}/maven-metadata.xml`, { bytes: Buffer.from(xml), modified: current.published, kind: 'metadata', noSha1: false });
        }
      }
      // latest / release: the versions published most recently, as a deploy would record them.
      const byTime = [...states].sort((a, b) => (a.publications.at(-1)?.published.getTime() ?? 0) - (b.publications.at(-1)?.published.getTime() ?? 0));
      const latest = byTime.at(-1)?.version;
      const release = byTime.filter((s) => !isSnapshot(s.version)).at(-1)?.version;
      const xml = artifactMetadata({
        groupId: artifact.groupId,
        artifactId: artifact.artifactId,
        versions: states.map((s) => s.version),
        ...(latest === undefined ? {} : { latest }),
        ...(release === undefined ? {} : { release }),
        updated: artifact.modified,
      });
      index.set(`${base}/maven-metadata.xml`, { bytes: Buffer.from(xml), modified: artifact.modified, kind: 'metadata', noSha1: false });
    }
    this.index = index;
  }
}
