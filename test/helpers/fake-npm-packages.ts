/**
 * The package state behind the fake npm registry: which packages, versions and dist-tags exist,
 * their tarballs (built lazily, cached), and the documents a real registry would render for them
 * (full packument, abbreviated "corgi" packument, single-version manifest). No sockets here;
 * fake-npm-registry.ts serves what this renders.
 *
 * Times come from a logical clock that advances at least one second per mutation, because
 * Last-Modified has one-second precision: two edits in the same second must still look different
 * to a client revalidating with If-Modified-Since.
 */
import semver from 'semver';
import { buildNpmTarball, sha1Hex, type TarballInfo } from './tarball.js';

/** One version as a test describes it. Everything is optional. */
export interface FakeVersionSpec {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  /** Bin name → path inside the package; each path is written into the tarball as a script. */
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  description?: string;
  /** Sets `deprecated` on the version, as `npm deprecate` does. */
  deprecated?: string;
  /** Content of `package/index.js` (default: a module exporting the package name and version). */
  indexJs?: string;
  /** Approximate size in bytes of the served .tgz; padding goes into `package/padding.bin`. */
  tarballSize?: number;
  /** Extra manifest fields, merged into the version in the packument and the tarball's package.json. */
  extra?: Record<string, unknown>;
}

export interface FakePackageSpec {
  name: string;
  versions: Record<string, FakeVersionSpec>;
  /** Default: `{ latest: <highest non-prerelease version> }` (or the highest version if all are prereleases). */
  distTags?: Record<string, string>;
  description?: string;
  readme?: string;
}

interface VersionState {
  spec: FakeVersionSpec;
  published: Date;
  tarball?: Promise<TarballInfo>;
  /** A valid tarball with different contents, for the `wrong-digest` fault. */
  impostor?: Promise<Buffer>;
}

interface PackageState {
  name: string;
  description: string;
  readme: string;
  versions: Map<string, VersionState>;
  distTags: Record<string, string>;
  created: Date;
  modified: Date;
  revision: number;
}

type Json = Record<string, unknown>;

export type { TarballInfo };

/** The fields npm keeps in abbreviated packuments (everything `npm install` needs, nothing else). */
const ABBREVIATED_FIELDS = [
  'name', 'version', 'deprecated', 'dependencies', 'optionalDependencies', 'devDependencies',
  'bundleDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'directories', 'engines',
  'cpu', 'os', '_hasShrinkwrap', 'hasInstallScript', 'funding', 'license', 'dist',
];

const SCOPED = /^@[^/@]+\/[^/@]+$/;
const UNSCOPED = /^[^/@][^/]*$/;

export function isValidPackageName(name: string): boolean {
  return SCOPED.test(name) || UNSCOPED.test(name);
}

/** `left-pad` → `left-pad`; `@acme/util` → `util` (the file-name stem of its tarballs). */
export function tarballStem(name: string): string {
  return name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
}

/** Path (no leading slash) of a version's tarball, in the layout the real registry uses. */
export function tarballPath(name: string, version: string): string {
  return `${name}/-/${tarballStem(name)}-${version}.tgz`;
}

function defaultLatest(versions: Iterable<string>): string | undefined {
  const all = [...versions].filter((v) => semver.valid(v) !== null).sort(semver.rcompare);
  return all.find((v) => semver.prerelease(v) === null) ?? all[0];
}

function packageJson(name: string, version: string, spec: FakeVersionSpec): Json {
  const manifest: Json = {
    name,
    version,
    description: spec.description ?? `${name} for tests`,
    main: 'index.js',
    license: 'MIT',
    dependencies: spec.dependencies ?? {},
  };
  for (const key of ['optionalDependencies', 'peerDependencies', 'devDependencies', 'scripts', 'bin', 'engines'] as const) {
    if (spec[key] !== undefined) manifest[key] = spec[key];
  }
  return { ...manifest, ...spec.extra };
}

function buildTarball(name: string, version: string, spec: FakeVersionSpec, variant = ''): Promise<TarballInfo> {
  return buildNpmTarball(packageJson(name, version, spec), {
    indexJs: `${spec.indexJs ?? `module.exports = ${JSON.stringify({ name, version })};\n`}${variant}`,
    binFiles: Object.values(spec.bin ?? {}),
    size: spec.tarballSize,
    seed: `${name}@${version}${variant}`,
  });
}

export class FakeNpmPackages {
  private readonly packages = new Map<string, PackageState>();
  private lastStamp = 0;
  private readonly defaultTarballSize: number | undefined;

  constructor(specs: readonly FakePackageSpec[], defaultTarballSize?: number) {
    this.defaultTarballSize = defaultTarballSize;
    for (const spec of specs) this.addPackage(spec);
  }

  /** A time strictly later (by ≥ 1 s, whole seconds) than every earlier one. */
  private stamp(): Date {
    const now = Math.floor(Date.now() / 1000) * 1000;
    this.lastStamp = Math.max(now, this.lastStamp + 1000);
    return new Date(this.lastStamp);
  }

  private touch(pkg: PackageState): void {
    pkg.modified = this.stamp();
    pkg.revision += 1;
  }

  private mustGet(name: string): PackageState {
    const pkg = this.packages.get(name);
    if (pkg === undefined) throw new Error(`fake npm registry: no package ${name}`);
    return pkg;
  }

  names(): string[] {
    return [...this.packages.keys()];
  }

  has(name: string): boolean {
    return this.packages.has(name);
  }

  addPackage(spec: FakePackageSpec): void {
    if (!isValidPackageName(spec.name)) throw new Error(`fake npm registry: bad package name ${spec.name}`);
    const created = this.stamp();
    const versions = new Map<string, VersionState>();
    for (const [version, v] of Object.entries(spec.versions)) versions.set(version, { spec: v, published: created });
    const latest = defaultLatest(versions.keys());
    this.packages.set(spec.name, {
      name: spec.name,
      description: spec.description ?? `${spec.name} for tests`,
      readme: spec.readme ?? `# ${spec.name}\n\nA package served by the fake npm registry.\n`,
      versions,
      // Copied: the test's spec objects are shared and must never see our mutations.
      distTags: { ...(spec.distTags ?? (latest === undefined ? {} : { latest })) },
      created,
      modified: created,
      revision: 1,
    });
  }

  removePackage(name: string): void {
    this.mustGet(name);
    this.packages.delete(name);
  }

  /**
   * Publishes (or republishes) a version, creating the package if needed, and points `tag` at it
   * as `npm publish` does (`latest` unless told otherwise; `null` for none). Tarballs are
   * deterministic: to make a republish serve different bytes ("edited upstream"), change
   * `indexJs` or another field.
   */
  addVersion(name: string, version: string, spec: FakeVersionSpec = {}, tag: string | null = 'latest'): void {
    if (!this.packages.has(name)) this.addPackage({ name, versions: {}, distTags: {} });
    const pkg = this.mustGet(name);
    this.touch(pkg);
    pkg.versions.set(version, { spec, published: pkg.modified });
    if (tag !== null) pkg.distTags[tag] = version;
  }

  /** Unpublishes a version; tags pointing at it move (`latest`) or disappear, as on npm. */
  removeVersion(name: string, version: string): void {
    const pkg = this.mustGet(name);
    if (!pkg.versions.delete(version)) throw new Error(`fake npm registry: no version ${name}@${version}`);
    for (const [tag, target] of Object.entries(pkg.distTags)) {
      if (target === version) delete pkg.distTags[tag];
    }
    const latest = defaultLatest(pkg.versions.keys());
    if (pkg.distTags.latest === undefined && latest !== undefined) pkg.distTags.latest = latest;
    this.touch(pkg);
  }

  /** Points `tag` at `version` (which need not exist), or deletes the tag when `version` is undefined. */
  setDistTag(name: string, tag: string, version: string | undefined): void {
    const pkg = this.mustGet(name);
    if (version === undefined) delete pkg.distTags[tag];
    else pkg.distTags[tag] = version;
    this.touch(pkg);
  }

  /** The version the `latest` dist-tag points at. */
  latest(name: string): string | undefined {
    return this.packages.get(name)?.distTags.latest;
  }

  lastModified(name: string): Date | undefined {
    return this.packages.get(name)?.modified;
  }

  /** The bytes served for a version's tarball, built on first use and cached. */
  tarball(name: string, version: string): Promise<TarballInfo> | undefined {
    const state = this.packages.get(name)?.versions.get(version);
    if (state === undefined) return undefined;
    state.tarball ??= buildTarball(name, version, this.sized(state.spec));
    return state.tarball;
  }

  /** A valid tarball for the same version whose bytes differ from the advertised digest. */
  impostorTarball(name: string, version: string): Promise<Buffer> | undefined {
    const state = this.packages.get(name)?.versions.get(version);
    if (state === undefined) return undefined;
    state.impostor ??= buildTarball(name, version, this.sized(state.spec), '// tampered\n').then((t) => t.bytes);
    return state.impostor;
  }

  private sized(spec: FakeVersionSpec): FakeVersionSpec {
    return spec.tarballSize === undefined && this.defaultTarballSize !== undefined
      ? { ...spec, tarballSize: this.defaultTarballSize }
      : spec;
  }

  private async versionManifest(pkg: PackageState, version: string, state: VersionState, tarballUrl: TarballUrl): Promise<Json> {
    const info = await this.tarball(pkg.name, version);
    if (info === undefined) throw new Error(`fake npm registry: ${pkg.name}@${version} vanished while rendering`);
    const manifest: Json = {
      ...packageJson(pkg.name, version, state.spec),
      _id: `${pkg.name}@${version}`,
      _nodeVersion: '20.20.2',
      _npmVersion: '11.0.0',
      _hasShrinkwrap: false,
      directories: {},
      maintainers: [{ name: 'fake', email: 'fake@example.invalid' }],
      dist: {
        integrity: info.integrity,
        shasum: info.shasum,
        tarball: tarballUrl(pkg.name, version),
        fileCount: info.fileCount,
        unpackedSize: info.unpackedSize,
      },
    };
    const scripts = state.spec.scripts ?? {};
    if (['preinstall', 'install', 'postinstall'].some((s) => s in scripts)) manifest.hasInstallScript = true;
    if (state.spec.deprecated !== undefined) manifest.deprecated = state.spec.deprecated;
    return manifest;
  }

  /** The full packument (`application/json`), or undefined for an unknown package. */
  async full(name: string, tarballUrl: TarballUrl): Promise<Json | undefined> {
    const pkg = this.packages.get(name);
    if (pkg === undefined) return undefined;
    const versions: Json = {};
    const time: Record<string, string> = { created: pkg.created.toISOString(), modified: pkg.modified.toISOString() };
    for (const [version, state] of pkg.versions) {
      versions[version] = await this.versionManifest(pkg, version, state, tarballUrl);
      time[version] = state.published.toISOString();
    }
    return {
      _id: name,
      _rev: `${pkg.revision}-${sha1Hex(Buffer.from(`${name}:${pkg.revision}`)).slice(0, 32)}`,
      name,
      description: pkg.description,
      'dist-tags': { ...pkg.distTags },
      versions,
      time,
      maintainers: [{ name: 'fake', email: 'fake@example.invalid' }],
      readme: pkg.readme,
      readmeFilename: 'README.md',
      license: 'MIT',
    };
  }

  /** The abbreviated packument (`application/vnd.npm.install-v1+json`). */
  async abbreviated(name: string, tarballUrl: TarballUrl): Promise<Json | undefined> {
    const pkg = this.packages.get(name);
    if (pkg === undefined) return undefined;
    const versions: Json = {};
    for (const [version, state] of pkg.versions) {
      const manifest = await this.versionManifest(pkg, version, state, tarballUrl);
      versions[version] = Object.fromEntries(ABBREVIATED_FIELDS.filter((k) => k in manifest).map((k) => [k, manifest[k]]));
    }
    return { name, 'dist-tags': { ...pkg.distTags }, versions, modified: pkg.modified.toISOString() };
  }

  /** `/NAME/VERSION` or `/NAME/TAG`: one version's full manifest. */
  async manifest(name: string, versionOrTag: string, tarballUrl: TarballUrl): Promise<Json | undefined> {
    const pkg = this.packages.get(name);
    const version = pkg?.distTags[versionOrTag] ?? versionOrTag;
    const state = pkg?.versions.get(version);
    if (pkg === undefined || state === undefined) return undefined;
    return this.versionManifest(pkg, version, state, tarballUrl);
  }
}

export type TarballUrl = (name: string, version: string) => string;
