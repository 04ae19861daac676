/**
 * Hostile packuments, generated: a document's shape is a packument, its content is an attack
 * (a foreign artifact URL, a junk digest, a name or version that lies, a bomb). Generated as
 * text where size matters, so building one never costs the test more than the document is big.
 */
import type { TarballInfo } from '../../helpers/tarball.js';

export interface VersionFacts {
  version: string;
  tarball: string;
  /** `dist.integrity`; left out when undefined. */
  integrity?: unknown;
  /** `dist.shasum`; left out when undefined. */
  shasum?: unknown;
  /** Extra manifest fields (laid over name/version). */
  extra?: Record<string, unknown>;
}

/** A packument with one manifest per entry, keyed by its version (or by `key` to make it lie). */
export function packumentOf(name: string, versions: Array<VersionFacts & { key?: string }>, distTags?: Record<string, unknown>): Record<string, unknown> {
  const entries = versions.map((facts) => {
    const dist: Record<string, unknown> = { tarball: facts.tarball };
    if (facts.integrity !== undefined) dist.integrity = facts.integrity;
    if (facts.shasum !== undefined) dist.shasum = facts.shasum;
    return [facts.key ?? facts.version, { name, version: facts.version, ...facts.extra, dist }] as const;
  });
  const last = versions[versions.length - 1];
  return { name, 'dist-tags': distTags ?? (last === undefined ? {} : { latest: last.version }), versions: Object.fromEntries(entries) };
}

/** The usual dist facts of a real tarball served at `tarballUrl`. */
export function honest(version: string, tarballUrl: string, info: TarballInfo): VersionFacts {
  return { version, tarball: tarballUrl, integrity: info.integrity, shasum: info.shasum };
}

/**
 * `count` versions `1.0.0` … `1.0.(count-1)`, all pointing at the same tarball and digest, as
 * JSON text (about 200 bytes a version). Built as text: a 100k-version object graph would cost
 * the test more memory than larder's share we want to measure.
 */
export function manyVersionsText(name: string, count: number, base: string, info: TarballInfo): string {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const version = `1.0.${i}`;
    parts.push(`${JSON.stringify(version)}:{"name":${JSON.stringify(name)},"version":"${version}","dist":{"tarball":"${base}${name}/-/${name}-${version}.tgz","integrity":"${info.integrity}"}}`);
  }
  return `{"name":${JSON.stringify(name)},"dist-tags":{"latest":"1.0.${count - 1}"},"versions":{${parts.join(',')}}}`;
}

/** A valid packument whose one manifest carries an array nested `depth` levels deep. */
export function deeplyNestedText(name: string, depth: number, facts: VersionFacts): string {
  const manifest = JSON.stringify({ name, version: facts.version, dist: { tarball: facts.tarball, integrity: facts.integrity } });
  const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  return `{"name":${JSON.stringify(name)},"dist-tags":{"latest":"${facts.version}"},"versions":{"${facts.version}":${manifest.slice(0, -1)},"nested":${nested}}}}`;
}

/**
 * `__proto__` and `constructor` as version keys, as dist-tags, and inside a manifest, written
 * as JSON text (an object literal would turn `__proto__` into a prototype, not a key).
 */
export function prototypeKeysText(name: string, facts: VersionFacts): string {
  const good = JSON.stringify({ name, version: facts.version, dist: { tarball: facts.tarball, integrity: facts.integrity } });
  const polluting = `{"name":${JSON.stringify(name)},"version":"6.6.6","polluted":"yes","dist":{"tarball":"${facts.tarball}","integrity":"${String(facts.integrity)}"}}`;
  const manifestWithProto = `${good.slice(0, -1)},"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}`;
  return (
    `{"name":${JSON.stringify(name)},` +
    `"dist-tags":{"latest":"${facts.version}","__proto__":"6.6.6","constructor":"6.6.6"},` +
    `"versions":{"__proto__":${polluting},"constructor":${polluting},"${facts.version}":${manifestWithProto}},` +
    `"__proto__":{"polluted":"yes"}}`
  );
}
