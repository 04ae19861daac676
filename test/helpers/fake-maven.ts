/**
 * A fake Maven repository for tests: a real node:http server on 127.0.0.1 (port 0 by default)
 * serving the artifacts a test defines — and, with `from`, the files of a directory laid out as a
 * Maven repository (~/.m2/repository), read-only — in the real layout, counting every request,
 * misbehaving on demand. It is the independent reference for larder's Maven support, so it imports
 * nothing from src/. Same shape and fault switches as the fake npm registry and fake PyPI.
 *
 *   const maven = await startFakeMaven({ artifacts: [
 *     { groupId: 'com.acme', artifactId: 'lib', versions: { '1.0': { sources: true }, '1.1-SNAPSHOT': {} } },
 *     { groupId: 'com.acme', artifactId: 'app', versions: { '2.0': { dependencies: [{ groupId: 'com.acme', artifactId: 'lib', version: '1.0' }] } } },
 *   ] });
 *   t.teardown(() => maven.stop());
 *   // a settings.xml mirror at maven.url
 *
 * Routes (GET and HEAD; other methods 405; `.`/`..` segments and bad escapes 400; the rest 404):
 *   /g/r/o/u/p/artifact/version/artifact-version[-classifier].ext   pom, jar, -sources.jar,
 *                     -javadoc.jar, .module — real files from maven-artifacts.ts
 *   /g/…/artifact/maven-metadata.xml           versions, latest, release, lastUpdated
 *   /g/…/artifact/1.1-SNAPSHOT/maven-metadata.xml   <snapshot> and <snapshotVersions>; the files
 *                     are timestamped (`artifact-1.1-20240101.120000-1.jar`), older builds stay
 *                     served; there is no un-timestamped `artifact-1.1-SNAPSHOT.jar`
 *   FILE.md5 / .sha1 / .sha256 / .sha512     for every file and metadata document: bare `HEX`, or
 *                     `HEX  FILE` with `sidecarFilename`; none with `sidecars: false`; no `.sha1`
 *                     for a version with `noSha1`
 * Files and metadata carry X-Checksum-Sha1 (not with `noSha1`) and X-Checksum-MD5 (unless
 * `checksumHeaders: false`), a strong ETag and Last-Modified, and answer 304 to If-None-Match
 * (checked first) or If-Modified-Since (unless `validators: false`).
 *
 * `from`: a directory's files are served after the test's own artifacts (sidecars stored there are
 * served as they are, missing ones computed); see fake-maven-local.ts for metadata. Never written.
 *
 * Members: url ('http://127.0.0.1:PORT/'), port, listening, requests, count(filter?),
 * clearRequests(), fault (a FakeFault as for the npm fake; `wrong-digest` applies to artifact files
 * only — not sidecars, not metadata — and serves valid bytes that match neither the sidecars nor the
 * X-Checksum headers), addVersion / removeVersion / publishSnapshot (each bumps the clock by ≥ 1 s),
 * fileVersion(g, a, v), file(path), stop() (refuses connections, destroys hanging sockets),
 * start() (same port). Always stop() in teardown.
 *
 * Split: maven-artifacts.ts (jar, pom, module, checksums), maven-metadata.ts (metadata XML),
 * fake-maven-repo.ts (state), fake-maven-local.ts (`from`), fake-maven-routes.ts (paths → replies).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeServer, type AdmittedRequest, type FakeFault, type Listener, type RecordedRequest } from './fake-server.js';
import { respond } from './fake-npm-respond.js';
import { FakeMavenRepo, type FakeMavenArtifactSpec, type FakeMavenVersionSpec } from './fake-maven-repo.js';
import { LocalRepoDir } from './fake-maven-local.js';
import { findEntry, isArtifactFilePath, routeMavenRequest, type MavenRouting } from './fake-maven-routes.js';
import { checksums, type Checksums } from './maven-artifacts.js';

export type { FakeFault, FakeMavenArtifactSpec, FakeMavenVersionSpec, RecordedRequest };

export interface FakeMavenOptions {
  artifacts?: FakeMavenArtifactSpec[];
  /** A directory laid out as a Maven repository (e.g. ~/.m2/repository), served read-only after `artifacts`. */
  from?: string;
  /** Serve checksum sidecars; default true. */
  sidecars?: boolean;
  /** Sidecar content `HEX  filename` instead of `HEX`; default false. */
  sidecarFilename?: boolean;
  /** X-Checksum-Sha1 / X-Checksum-MD5 headers; default true. */
  checksumHeaders?: boolean;
  /** false: send no ETag / Last-Modified and ignore conditional headers. Default true. */
  validators?: boolean;
  /** 0 (default) picks a free port. */
  port?: number;
}

/** A served file's bytes and digests. */
export interface FakeMavenFile extends Checksums {
  path: string;
  bytes: Buffer;
  url: string;
}

export class FakeMaven extends FakeServer {
  private readonly repo: FakeMavenRepo;
  private readonly routing: MavenRouting;
  private readonly listener: Listener;

  constructor(private readonly options: FakeMavenOptions = {}) {
    super({
      name: 'fake Maven',
      // Only artifact files: not sidecars, not metadata.
      wrongDigestApplies: isArtifactFilePath,
      statusReply: (status) => ({ contentType: 'text/plain; charset=utf-8', body: `fake Maven answers ${status}\n` }),
    });
    this.repo = new FakeMavenRepo(options.artifacts ?? []);
    this.routing = {
      repo: this.repo,
      local: options.from === undefined ? undefined : new LocalRepoDir(options.from),
      sidecars: options.sidecars !== false,
      sidecarFilename: options.sidecarFilename === true,
      checksumHeaders: options.checksumHeaders !== false,
    };
    this.listener = this.createListener(options.port ?? 0, (request) => request, (req, res, request) => this.route(req, res, request));
  }

  /** The repository base a mirror is pointed at, with its trailing slash. */
  get url(): string {
    return `http://127.0.0.1:${this.listener.port}/`;
  }

  /**
   * Publishes a version (appended to the artifact's version list; the artifact is created if
   * needed). For a `-SNAPSHOT` version this is a new timestamped build, as publishSnapshot; for an
   * existing release it replaces the files (an upstream edit). Returns the file version.
   */
  addVersion(groupId: string, artifactId: string, version: string, spec?: FakeMavenVersionSpec): string {
    return this.repo.publish(groupId, artifactId, version, spec);
  }

  removeVersion(groupId: string, artifactId: string, version: string): void {
    this.repo.remove(groupId, artifactId, version);
  }

  /** Deploys a new build of a SNAPSHOT: timestamp and buildNumber bumped. Returns e.g. `1.1-20240101.120001-2`. */
  publishSnapshot(groupId: string, artifactId: string, version: string, spec?: FakeMavenVersionSpec): string {
    if (!version.endsWith('-SNAPSHOT')) throw new Error(`fake Maven: ${version} is not a SNAPSHOT version`);
    return this.repo.publish(groupId, artifactId, version, spec);
  }

  /** The current file version of a version: the newest timestamped build of a SNAPSHOT, else the version. */
  fileVersion(groupId: string, artifactId: string, version: string): string {
    const fileVersion = this.repo.fileVersion(groupId, artifactId, version);
    if (fileVersion === undefined) throw new Error(`fake Maven: no version ${groupId}:${artifactId}:${version}`);
    return fileVersion;
  }

  /** The exact bytes served at a repository path (leading slash optional), with their digests. */
  async file(path: string): Promise<FakeMavenFile> {
    const relative = path.replace(/^\/+/, '');
    const entry = await findEntry(this.routing, relative.split('/'));
    if (entry === undefined) throw new Error(`fake Maven: nothing at ${relative}`);
    return { path: relative, bytes: entry.bytes, url: `${this.url}${relative}`, ...checksums(entry.bytes) };
  }

  protected listeners(): [Listener] {
    return [this.listener];
  }

  private async route(req: IncomingMessage, res: ServerResponse, { method, path, fault }: AdmittedRequest): Promise<void> {
    const reply = await routeMavenRequest(this.routing, { method, path, wrongDigest: fault?.kind === 'wrong-digest' });
    // respond() writes its own headers with writeHead, which merges these in.
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    respond(req, res, reply, { validators: this.options.validators !== false, gzip: false }, fault);
  }
}

export async function startFakeMaven(options: FakeMavenOptions = {}): Promise<FakeMaven> {
  const maven = new FakeMaven(options);
  await maven.start();
  return maven;
}
