/**
 * Read-only access to a directory laid out as a Maven repository — typically a local repository
 * such as ~/.m2/repository — so the fake Maven repository can serve what it holds. This module
 * only ever reads: it opens no file for writing and creates nothing, whatever it is asked.
 *
 * A local repository is not a remote one: it keeps `maven-metadata-<repoId>.xml` (or
 * `maven-metadata-local.xml` after `mvn install`) instead of `maven-metadata.xml`, and bookkeeping
 * files (`_remote.repositories`, `*.lastUpdated`, `resolver-status.properties`) that a remote never
 * serves. A `maven-metadata.xml` request is answered from the first `maven-metadata-*.xml` in the
 * directory (by name), else synthesized from the version subdirectories that hold a pom or jar.
 */
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { RepoEntry } from './fake-maven-repo.js';
import { artifactMetadata, compareMavenVersions } from './maven-metadata.js';

const BOOKKEEPING = /^(_remote\.repositories|resolver-status\.properties|maven-metadata-.+\.xml|.*\.lastUpdated)$/;

/** ENOENT / ENOTDIR / EISDIR mean "not here": the caller answers 404. Anything else is a real failure. */
function isAbsent(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

export class LocalRepoDir {
  private rootReal: Promise<string> | undefined;

  constructor(readonly root: string) {}

  /**
   * The file or metadata document at `segments` (already decoded and free of `.`, `..` and empty
   * segments), or undefined. Sidecar files present on disk are returned like any other file.
   */
  async lookup(segments: readonly string[]): Promise<RepoEntry | undefined> {
    const name = segments.at(-1);
    if (name === undefined) return undefined;
    if (name === 'maven-metadata.xml') return this.metadata(segments.slice(0, -1));
    if (BOOKKEEPING.test(name)) return undefined;
    return this.read(segments);
  }

  private async read(segments: readonly string[]): Promise<RepoEntry | undefined> {
    const path = join(this.root, ...segments);
    try {
      // Symlinks are followed, but never out of the directory we were given.
      this.rootReal ??= realpath(this.root);
      const [real, root] = await Promise.all([realpath(path), this.rootReal]);
      if (!real.startsWith(root + sep)) return undefined;
      const info = await stat(real);
      if (!info.isFile()) return undefined;
      return { bytes: await readFile(real), modified: info.mtime, kind: 'file', noSha1: false };
    } catch (error) {
      if (isAbsent(error)) return undefined;
      throw error;
    }
  }

  private async metadata(dirSegments: readonly string[]): Promise<RepoEntry | undefined> {
    const dir = join(this.root, ...dirSegments);
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (error) {
      if (isAbsent(error)) return undefined;
      throw error;
    }
    const stored = names.find((n) => /^maven-metadata-.+\.xml$/.test(n));
    if (stored !== undefined) {
      const entry = await this.read([...dirSegments, stored]);
      return entry === undefined ? undefined : { ...entry, kind: 'metadata' };
    }
    return this.synthesize(dirSegments, names);
  }

  /** Artifact-level metadata from the version directories: `<artifactId>/<v>/<artifactId>-<v>.{pom,jar}`. */
  private async synthesize(dirSegments: readonly string[], names: readonly string[]): Promise<RepoEntry | undefined> {
    const artifactId = dirSegments.at(-1);
    if (artifactId === undefined || dirSegments.length < 2) return undefined;
    const found: { version: string; modified: Date }[] = [];
    for (const version of names) {
      for (const extension of ['pom', 'jar']) {
        const entry = await this.statFile([...dirSegments, version, `${artifactId}-${version}.${extension}`]);
        if (entry === undefined) continue;
        found.push({ version, modified: entry });
        break;
      }
    }
    if (found.length === 0) return undefined;
    found.sort((a, b) => compareMavenVersions(a.version, b.version));
    const modified = new Date(Math.max(...found.map((f) => f.modified.getTime())));
    const xml = artifactMetadata({ groupId: dirSegments.slice(0, -1).join('.'), artifactId, versions: found.map((f) => f.version), updated: modified });
    return { bytes: Buffer.from(xml), modified, kind: 'metadata', noSha1: false };
  }

  private async statFile(segments: readonly string[]): Promise<Date | undefined> {
    try {
      const info = await stat(join(this.root, ...segments));
      return info.isFile() ? info.mtime : undefined;
    } catch (error) {
      if (isAbsent(error)) return undefined;
      throw error;
    }
  }
}
