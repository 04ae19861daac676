/**
 * The state behind the fake PyPI index: which projects, versions and files exist, the bytes of
 * each file (real wheels and sdists from wheel.ts, built when the version is added), the PEP 658
 * metadata offered for them, and the times and serials a real index reports. No sockets here.
 *
 * Times come from a logical clock that advances at least one second per mutation, because
 * Last-Modified has one-second precision: two edits in the same second must still look different
 * to a client revalidating with If-Modified-Since.
 */
import { createHash } from 'node:crypto';
import { buildSdist, buildWheel, normalizeProjectName, sha256Hex, type BuiltDistribution, type DistributionSpec } from './wheel.js';

/** One version as a test describes it. Everything is optional: the default is one wheel. */
export interface FakePypiVersionSpec {
  /** `Requires-Dist` lines. */
  requires?: string[];
  /** `Requires-Python`, advertised on the page (`data-requires-python` / `requires-python`) and in the metadata. */
  requiresPython?: string;
  /** PEP 592: `true`, or the reason as a string. */
  yanked?: true | string;
  /** Publish a wheel; default true. */
  wheel?: boolean;
  /** Also publish an sdist (`.tar.gz`, buildable offline); default false. */
  sdist?: boolean;
  /** PEP 658 / 714: offer the wheel's METADATA at `FILE.metadata`; default false. */
  metadataFile?: boolean;
  /** Extra files inside the distributions, by path. */
  files?: Record<string, string>;
  /** Approximate size of each file, in bytes. */
  size?: number;
  summary?: string;
}

export interface FakePypiProjectSpec {
  /** As published; pages and URLs use the PEP 503 normalised form. */
  name: string;
  versions: Record<string, FakePypiVersionSpec>;
}

/** One file as served, with the facts the index advertises for it. */
export interface FakePypiFile {
  /** Normalised project name. */
  project: string;
  version: string;
  filename: string;
  kind: 'wheel' | 'sdist';
  bytes: Buffer;
  /** Hex SHA-256 of `bytes`. */
  sha256: string;
  /** URL path, `/packages/ab/cd/<hash>/<filename>` as PyPI lays files out. */
  path: string;
  uploaded: Date;
  requiresPython?: string;
  yanked?: true | string;
  /** The PEP 658 metadata file, when offered: served at `path + '.metadata'`. */
  metadata?: { bytes: Buffer; sha256: string };
}

interface FileState extends FakePypiFile {
  spec: DistributionSpec;
  /** Valid bytes that do not match `sha256` (the `wrong-digest` fault), built on first use. */
  impostor?: Buffer;
}

export interface ProjectState {
  /** As published. */
  name: string;
  normalized: string;
  versions: Map<string, FileState[]>;
  modified: Date;
  /** PyPI's `_last-serial`: the global serial of the project's last change. */
  serial: number;
}

/** PyPI's layout: the file's blake2b-256 split as `ab/cd/<rest>`. */
function filePath(bytes: Buffer, filename: string): string {
  const digest = createHash('blake2b512').update(bytes).digest('hex').slice(0, 64);
  return `/packages/${digest.slice(0, 2)}/${digest.slice(2, 4)}/${digest.slice(4)}/${filename}`;
}

export class FakePypiProjects {
  private readonly projects = new Map<string, ProjectState>();
  private lastStamp = 0;
  /** Global serial, as PyPI's `X-PyPI-Last-Serial`: bumped by every change. */
  serial = 0;
  /** When the project list last changed. */
  listModified: Date;

  constructor(specs: readonly FakePypiProjectSpec[]) {
    this.listModified = this.stamp();
    for (const spec of specs) this.addProject(spec);
  }

  /** A time strictly later (by ≥ 1 s, whole seconds) than every earlier one. */
  private stamp(): Date {
    const now = Math.floor(Date.now() / 1000) * 1000;
    this.lastStamp = Math.max(now, this.lastStamp + 1000);
    return new Date(this.lastStamp);
  }

  private touch(project: ProjectState): Date {
    project.modified = this.stamp();
    this.serial += 1;
    project.serial = this.serial;
    return project.modified;
  }

  private mustGet(name: string): ProjectState {
    const project = this.projects.get(normalizeProjectName(name));
    if (project === undefined) throw new Error(`fake PyPI: no project ${name}`);
    return project;
  }

  private buildFiles(project: ProjectState, version: string, spec: FakePypiVersionSpec, uploaded: Date): FileState[] {
    const dist: DistributionSpec = {
      name: project.name,
      version,
      ...(spec.requires === undefined ? {} : { requires: spec.requires }),
      ...(spec.requiresPython === undefined ? {} : { requiresPython: spec.requiresPython }),
      ...(spec.files === undefined ? {} : { files: spec.files }),
      ...(spec.size === undefined ? {} : { size: spec.size }),
      ...(spec.summary === undefined ? {} : { summary: spec.summary }),
    };
    const built: { kind: 'wheel' | 'sdist'; dist: BuiltDistribution }[] = [];
    if (spec.sdist === true) built.push({ kind: 'sdist', dist: buildSdist(dist) });
    if (spec.wheel !== false) built.push({ kind: 'wheel', dist: buildWheel(dist) });
    return built.map(({ kind, dist: file }) => {
      const state: FileState = {
        project: project.normalized,
        version,
        filename: file.filename,
        kind,
        bytes: file.bytes,
        sha256: file.sha256,
        path: filePath(file.bytes, file.filename),
        uploaded,
        spec: dist,
        ...(spec.requiresPython === undefined ? {} : { requiresPython: spec.requiresPython }),
        ...(spec.yanked === undefined ? {} : { yanked: spec.yanked }),
      };
      // PyPI offers core metadata for wheels only.
      if (spec.metadataFile === true && kind === 'wheel') {
        const bytes = Buffer.from(file.metadata);
        state.metadata = { bytes, sha256: sha256Hex(bytes) };
      }
      return state;
    });
  }

  addProject(spec: FakePypiProjectSpec): void {
    const normalized = normalizeProjectName(spec.name);
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(normalized)) throw new Error(`fake PyPI: bad project name ${spec.name}`);
    const project: ProjectState = { name: spec.name, normalized, versions: new Map(), modified: new Date(0), serial: 0 };
    const uploaded = this.touch(project);
    for (const [version, v] of Object.entries(spec.versions)) project.versions.set(version, this.buildFiles(project, version, v, uploaded));
    this.projects.set(normalized, project);
    this.listModified = uploaded;
  }

  removeProject(name: string): void {
    this.projects.delete(this.mustGet(name).normalized);
    this.serial += 1;
    this.listModified = this.stamp();
  }

  /** Publishes (or republishes, replacing its files) a version, creating the project if needed. */
  addVersion(name: string, version: string, spec: FakePypiVersionSpec = {}): void {
    if (!this.projects.has(normalizeProjectName(name))) this.addProject({ name, versions: {} });
    const project = this.mustGet(name);
    project.versions.set(version, this.buildFiles(project, version, spec, this.touch(project)));
  }

  /** Deletes a version and its files (they answer 404 afterwards, as on PyPI). */
  removeVersion(name: string, version: string): void {
    const project = this.mustGet(name);
    if (!project.versions.delete(version)) throw new Error(`fake PyPI: no version ${name} ${version}`);
    this.touch(project);
  }

  /** Yanks (true or a reason) or un-yanks (undefined) every file of a version. */
  setYanked(name: string, version: string, yanked: true | string | undefined): void {
    const project = this.mustGet(name);
    const files = project.versions.get(version);
    if (files === undefined) throw new Error(`fake PyPI: no version ${name} ${version}`);
    for (const file of files) {
      if (yanked === undefined) delete file.yanked;
      else file.yanked = yanked;
    }
    this.touch(project);
  }

  /** A project by any spelling of its name. */
  get(name: string): ProjectState | undefined {
    return this.projects.get(normalizeProjectName(name));
  }

  list(): ProjectState[] {
    return [...this.projects.values()];
  }

  files(project: ProjectState): FileState[] {
    return [...project.versions.values()].flat();
  }

  file(name: string, filename: string): FakePypiFile | undefined {
    const project = this.get(name);
    return project === undefined ? undefined : this.files(project).find((f) => f.filename === filename);
  }

  /** The file (or its `.metadata`) served at a URL path. */
  byPath(path: string): { file: FakePypiFile; metadata: boolean } | undefined {
    const metadata = path.endsWith('.metadata');
    const filePath = metadata ? path.slice(0, -'.metadata'.length) : path;
    for (const project of this.projects.values()) {
      const file = this.files(project).find((f) => f.path === filePath);
      if (file !== undefined && (!metadata || file.metadata !== undefined)) return { file, metadata };
    }
    return undefined;
  }

  /**
   * Bytes for the `wrong-digest` fault: a valid file (or metadata) of the same name whose digest
   * is not the advertised one.
   */
  impostor(file: FakePypiFile, metadata: boolean): Buffer {
    if (metadata) return Buffer.from(`${file.metadata?.bytes.toString('utf8') ?? ''}Keywords: tampered\n`);
    const state = this.files(this.mustGet(file.project)).find((f) => f.path === file.path);
    if (state === undefined) throw new Error(`fake PyPI: ${file.filename} vanished`);
    const spec = { ...state.spec, files: { ...state.spec.files, 'tampered.py': '# not the advertised bytes\n' } };
    state.impostor ??= (state.kind === 'wheel' ? buildWheel(spec) : buildSdist(spec)).bytes;
    return state.impostor;
  }
}
