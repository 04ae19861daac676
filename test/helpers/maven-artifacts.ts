/**
 * Real Maven artifacts built in-process for tests: jars (zips via zip.ts with a manifest and the
 * pom.properties / pom.xml that Maven itself embeds), poms, Gradle `.module` files, checksums, and
 * the repository layout's path rules. Nothing here touches disk or sockets; no compiled classes are
 * needed for dependency resolution, so jars hold a resource file unless a test adds entries.
 *
 *   const jar = buildJar({ groupId: 'com.acme', artifactId: 'lib', version: '1.0' });
 *   const pom = buildPom({ groupId: 'com.acme', artifactId: 'app', version: '1.0',
 *     dependencies: [{ groupId: 'com.acme', artifactId: 'lib', version: '1.0' }] });
 *   checksums(jar).sha1                        // hex
 *   artifactPath({ groupId: 'com.acme', artifactId: 'lib', version: '1.0' })   // com/acme/lib/1.0/lib-1.0.jar
 */
import { createHash } from 'node:crypto';
import { zip, type ZipEntry } from './zip.js';

export interface MavenCoordinates {
  groupId: string;
  artifactId: string;
  version: string;
}

export interface MavenDependency extends MavenCoordinates {
  /** compile (default, omitted from the pom), runtime, test, provided, system, import. */
  scope?: string;
  /** `jar` unless given (`pom` for a BOM import). */
  type?: string;
  optional?: boolean;
}

export interface Checksums {
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
}

/** The four sidecar algorithms a Maven repository serves, in the order resolvers try them. */
export const CHECKSUM_ALGORITHMS = ['sha512', 'sha256', 'sha1', 'md5'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export function checksums(bytes: Buffer): Checksums {
  const hex = (algorithm: string): string => createHash(algorithm).update(bytes).digest('hex');
  return { md5: hex('md5'), sha1: hex('sha1'), sha256: hex('sha256'), sha512: hex('sha512') };
}

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `com.acme.tools` → `com/acme/tools`. */
export function groupPath(groupId: string): string {
  return groupId.split('.').join('/');
}

/**
 * The repository-relative path (no leading slash) of one file. `fileVersion` is what goes into
 * the file name when it differs from the directory's version: a timestamped SNAPSHOT such as
 * `1.1-20240101.120000-1` under `1.1-SNAPSHOT/`.
 */
export function artifactPath(coordinates: MavenCoordinates & { classifier?: string; extension?: string; fileVersion?: string }): string {
  const { groupId, artifactId, version, classifier, extension = 'jar' } = coordinates;
  const name = `${artifactId}-${coordinates.fileVersion ?? version}${classifier === undefined ? '' : `-${classifier}`}.${extension}`;
  return `${groupPath(groupId)}/${artifactId}/${version}/${name}`;
}

export interface PomSpec extends MavenCoordinates {
  dependencies?: MavenDependency[];
  /** `jar` (default, omitted), `pom`, … */
  packaging?: string;
  parent?: MavenCoordinates;
  name?: string;
  /** Add the marker Gradle writes into poms published with a `.module` file. */
  gradleMetadata?: boolean;
}

function dependencyXml(dependency: MavenDependency): string {
  const lines = [
    `      <groupId>${xmlEscape(dependency.groupId)}</groupId>`,
    `      <artifactId>${xmlEscape(dependency.artifactId)}</artifactId>`,
    `      <version>${xmlEscape(dependency.version)}</version>`,
  ];
  if (dependency.type !== undefined) lines.push(`      <type>${xmlEscape(dependency.type)}</type>`);
  if (dependency.scope !== undefined) lines.push(`      <scope>${xmlEscape(dependency.scope)}</scope>`);
  if (dependency.optional === true) lines.push('      <optional>true</optional>');
  return ['    <dependency>', ...lines, '    </dependency>'].join('\n');
}

/** A POM 4.0.0 document as a repository serves it. */
export function buildPom(spec: PomSpec): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
    '    xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">',
  ];
  // Gradle puts this comment right after the root element; Gradle clients look for it there.
  if (spec.gradleMetadata === true) lines.push('  <!-- do_not_remove: published-with-gradle-metadata -->');
  lines.push('  <modelVersion>4.0.0</modelVersion>');
  if (spec.parent !== undefined) {
    lines.push(
      '  <parent>',
      `    <groupId>${xmlEscape(spec.parent.groupId)}</groupId>`,
      `    <artifactId>${xmlEscape(spec.parent.artifactId)}</artifactId>`,
      `    <version>${xmlEscape(spec.parent.version)}</version>`,
      '  </parent>',
    );
  }
  lines.push(
    `  <groupId>${xmlEscape(spec.groupId)}</groupId>`,
    `  <artifactId>${xmlEscape(spec.artifactId)}</artifactId>`,
    `  <version>${xmlEscape(spec.version)}</version>`,
  );
  if (spec.packaging !== undefined && spec.packaging !== 'jar') lines.push(`  <packaging>${xmlEscape(spec.packaging)}</packaging>`);
  lines.push(`  <name>${xmlEscape(spec.name ?? `${spec.artifactId} (built by larder's tests)`)}</name>`);
  const dependencies = spec.dependencies ?? [];
  if (dependencies.length > 0) lines.push('  <dependencies>', ...dependencies.map(dependencyXml), '  </dependencies>');
  lines.push('</project>', '');
  return lines.join('\n');
}

export interface JarSpec extends MavenCoordinates {
  /**
   * Extra entries by path inside the jar: `.class` files a test compiled, resources. Without them
   * the jar holds one resource naming its coordinates, so every artifact has distinct bytes.
   */
  entries?: Record<string, string | Buffer>;
  /** Written into the resource file, e.g. a SNAPSHOT's build stamp, so rebuilt jars differ. */
  stamp?: string;
  /** Embed META-INF/maven/…/pom.xml, as `mvn package` does; pass the pom text served beside the jar. */
  pom?: string;
}

/** The first entries of every jar the JDK's `jar` tool writes, then Maven's own metadata. */
export function buildJar(spec: JarSpec): Buffer {
  const { groupId, artifactId, version } = spec;
  const manifest = [
    'Manifest-Version: 1.0',
    'Created-By: larder tests',
    `Implementation-Title: ${artifactId}`,
    `Implementation-Version: ${version}`,
    `Implementation-Vendor-Id: ${groupId}`,
    '',
    '',
  ].join('\r\n');
  const meta = `META-INF/maven/${groupId}/${artifactId}`;
  const entries: ZipEntry[] = [
    { path: 'META-INF/', content: '' },
    { path: 'META-INF/MANIFEST.MF', content: manifest },
    { path: `${meta}/pom.properties`, content: `artifactId=${artifactId}\ngroupId=${groupId}\nversion=${version}\n` },
  ];
  if (spec.pom !== undefined) entries.push({ path: `${meta}/pom.xml`, content: spec.pom });
  const extra = Object.entries(spec.entries ?? {});
  if (extra.length === 0) {
    const stamp = spec.stamp === undefined ? '' : `stamp=${spec.stamp}\n`;
    entries.push({ path: `${groupPath(groupId)}/${artifactId}/fake-maven.properties`, content: `coordinates=${groupId}:${artifactId}:${version}\n${stamp}` });
  }
  for (const [path, content] of extra) entries.push({ path, content });
  return zip(entries);
}

/** A `-sources.jar` or `-javadoc.jar`: a jar of text files, enough for IDEs and for digests. */
export function buildAttachedJar(spec: MavenCoordinates & { classifier: 'sources' | 'javadoc'; stamp?: string }): Buffer {
  const base = `${groupPath(spec.groupId)}/${spec.artifactId}`;
  const entries: Record<string, string> =
    spec.classifier === 'sources'
      ? { [`${base}/package-info.java`]: `/** ${spec.artifactId} ${spec.version} ${spec.stamp ?? ''} */\npackage ${spec.groupId};\n` }
      : { 'index.html': `<html><body>${xmlEscape(spec.artifactId)} ${xmlEscape(spec.version)} ${spec.stamp ?? ''}</body></html>\n` };
  return buildJar({ ...spec, entries });
}

/**
 * Gradle Module Metadata 1.1 (`.module`) describing the jar: the file Gradle reads before the pom
 * when the pom carries the marker. `jar` is the bytes served beside it, so its digests agree.
 */
export function buildModule(spec: MavenCoordinates & { dependencies?: MavenDependency[]; jar?: { name: string; bytes: Buffer } }): string {
  const files = spec.jar === undefined ? [] : [{ name: spec.jar.name, url: spec.jar.name, size: spec.jar.bytes.length, ...checksums(spec.jar.bytes) }];
  const dependencies = (spec.dependencies ?? [])
    .filter((d) => d.scope === undefined || d.scope === 'compile' || d.scope === 'runtime')
    .map((d) => ({ group: d.groupId, module: d.artifactId, version: { requires: d.version } }));
  const variant = (name: string, usage: string): Record<string, unknown> => ({
    name,
    attributes: {
      'org.gradle.category': 'library',
      'org.gradle.dependency.bundling': 'external',
      'org.gradle.libraryelements': 'jar',
      'org.gradle.usage': usage,
    },
    ...(dependencies.length > 0 ? { dependencies } : {}),
    files,
  });
  const module = {
    formatVersion: '1.1',
    component: { group: spec.groupId, module: spec.artifactId, version: spec.version, attributes: { 'org.gradle.status': spec.version.endsWith('-SNAPSHOT') ? 'integration' : 'release' } },
    createdBy: { gradle: { version: '8.5' } },
    variants: [variant('apiElements', 'java-api'), variant('runtimeElements', 'java-runtime')],
  };
  return `${JSON.stringify(module, null, 2)}\n`;
}

/** Maven's SNAPSHOT timestamp `yyyyMMdd.HHmmss` (UTC) and metadata's `lastUpdated` `yyyyMMddHHmmss`. */
export function snapshotTimestamp(date: Date): string {
  const compact = lastUpdated(date);
  return `${compact.slice(0, 8)}.${compact.slice(8)}`;
}

export function lastUpdated(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
