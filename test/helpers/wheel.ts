/**
 * Real, installable Python distributions built in-process for the fake PyPI index and for tests:
 * a pure-Python wheel (`py3-none-any`) and an sdist that pip can build offline (it carries its
 * own stdlib-only PEP 517 backend, so no setuptools has to come from any index).
 *
 *   const wheel = buildWheel({ name: 'Frob.Bar', version: '1.0.0', requires: ['dep>=1.0'] });
 *   wheel.filename  // 'frob_bar-1.0.0-py3-none-any.whl'
 *   wheel.sha256    // hex digest of wheel.bytes; wheel.metadata is the METADATA text (PEP 658)
 *
 * Both are deterministic: the same spec always gives the same bytes and digests.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pseudoRandomBytes, tar, type TarEntry } from './tarball.js';
import { zip, type ZipEntry } from './zip.js';

export interface DistributionSpec {
  /** Project name as published (any case and separators); files use the normalised form. */
  name: string;
  version: string;
  /** `Requires-Dist` lines, e.g. `dep>=1.0` or `extra-thing; python_version < "3.8"`. */
  requires?: string[];
  /** `Requires-Python`, e.g. `>=3.8`. */
  requiresPython?: string;
  summary?: string;
  /** Extra files by path relative to the distribution root (e.g. `frob/cli.py`); may replace the default `__init__.py`. */
  files?: Record<string, string>;
  /** Approximate archive size: incompressible padding goes into `<pkg>/padding.bin`. */
  size?: number;
}

export interface BuiltDistribution {
  filename: string;
  bytes: Buffer;
  /** Hex SHA-256 of `bytes`, as the index advertises it (`#sha256=`, `hashes.sha256`). */
  sha256: string;
  /** The core metadata text: the wheel's METADATA or the sdist's PKG-INFO (served as FILE.metadata). */
  metadata: string;
}

/** PEP 503 normalisation: runs of `-`, `_`, `.` become one `-`, lowercased. */
export function normalizeProjectName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** The name as it appears in wheel, sdist and .dist-info file names: normalised, `-` → `_`. */
export function distributionStem(name: string): string {
  return normalizeProjectName(name).replace(/-/g, '_');
}

export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** RECORD's digest form: `sha256=` + urlsafe base64 without padding. */
function recordDigest(bytes: Buffer): string {
  return `sha256=${createHash('sha256').update(bytes).digest('base64url')}`;
}

/** Core metadata 2.1 (the wheel's METADATA, the sdist's PKG-INFO). */
export function coreMetadata(spec: DistributionSpec): string {
  const lines = ['Metadata-Version: 2.1', `Name: ${spec.name}`, `Version: ${spec.version}`];
  lines.push(`Summary: ${spec.summary ?? `${spec.name} for tests`}`);
  if (spec.requiresPython !== undefined) lines.push(`Requires-Python: ${spec.requiresPython}`);
  for (const requirement of spec.requires ?? []) lines.push(`Requires-Dist: ${requirement}`);
  return `${lines.join('\n')}\n`;
}

/** The package's own files: `<pkg>/__init__.py` (reports name and version), the extras, padding last. */
function packageFiles(spec: DistributionSpec): Map<string, Buffer> {
  const pkg = distributionStem(spec.name);
  const files = new Map<string, Buffer>();
  files.set(`${pkg}/__init__.py`, Buffer.from(`NAME = ${JSON.stringify(spec.name)}\n__version__ = ${JSON.stringify(spec.version)}\n`));
  for (const [path, content] of Object.entries(spec.files ?? {})) files.set(path, Buffer.from(content));
  return files;
}

/** Random padding that makes an archive roughly `size` bytes (it cannot be compressed away). */
function padding(spec: DistributionSpec, currentSize: number): Buffer | undefined {
  const wanted = spec.size ?? 0;
  if (wanted <= currentSize + 1024) return undefined;
  const seed = parseInt(sha256Hex(`${spec.name}@${spec.version}`).slice(0, 8), 16);
  return pseudoRandomBytes(wanted - currentSize - 512, seed);
}

function wheelArchive(spec: DistributionSpec, metadata: string, pad: Buffer | undefined): Buffer {
  const distInfo = `${distributionStem(spec.name)}-${spec.version}.dist-info`;
  const entries: ZipEntry[] = [...packageFiles(spec)].map(([path, content]) => ({ path, content }));
  if (pad !== undefined) entries.push({ path: `${distributionStem(spec.name)}/padding.bin`, content: pad, deflate: false });
  const wheelFile = 'Wheel-Version: 1.0\nGenerator: larder-tests (1.0)\nRoot-Is-Purelib: true\nTag: py3-none-any\n';
  entries.push({ path: `${distInfo}/METADATA`, content: metadata }, { path: `${distInfo}/WHEEL`, content: wheelFile });
  const record = entries.map((entry) => {
    const bytes = typeof entry.content === 'string' ? Buffer.from(entry.content) : entry.content;
    return `${entry.path},${recordDigest(bytes)},${bytes.length}`;
  });
  record.push(`${distInfo}/RECORD,,`); // RECORD cannot hold its own hash
  entries.push({ path: `${distInfo}/RECORD`, content: `${record.join('\n')}\n` });
  return zip(entries);
}

/** A pure-Python wheel `{stem}-{version}-py3-none-any.whl` that pip installs. */
export function buildWheel(spec: DistributionSpec): BuiltDistribution {
  const metadata = coreMetadata(spec);
  let bytes = wheelArchive(spec, metadata, undefined);
  const pad = padding(spec, bytes.length);
  if (pad !== undefined) bytes = wheelArchive(spec, metadata, pad);
  return { filename: `${distributionStem(spec.name)}-${spec.version}-py3-none-any.whl`, bytes, sha256: sha256Hex(bytes), metadata };
}

/**
 * A PEP 517 backend with no dependencies: builds the wheel from the unpacked sdist (PKG-INFO
 * becomes METADATA; every file but PKG-INFO, pyproject.toml, this file and caches goes in).
 */
const BACKEND = `import base64, hashlib, os, re, zipfile

_SKIP = {'PKG-INFO', 'pyproject.toml', '_larder_build.py'}


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open('PKG-INFO', encoding='utf-8') as f:
        metadata = f.read()
    fields = dict(line.split(': ', 1) for line in metadata.splitlines() if ': ' in line)
    stem = re.sub(r'[-_.]+', '_', fields['Name']).lower()
    dist_info = stem + '-' + fields['Version'] + '.dist-info'
    filename = stem + '-' + fields['Version'] + '-py3-none-any.whl'
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), 'w', zipfile.ZIP_DEFLATED) as archive:
        def add(path, data):
            archive.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
            record.append(path + ',sha256=' + digest + ',' + str(len(data)))
        for root, dirs, files in os.walk('.'):
            dirs[:] = sorted(d for d in dirs if d != '__pycache__')
            for name in sorted(files):
                path = os.path.relpath(os.path.join(root, name), '.').replace(os.sep, '/')
                if path not in _SKIP:
                    with open(path, 'rb') as f:
                        add(path, f.read())
        add(dist_info + '/METADATA', metadata.encode())
        add(dist_info + '/WHEEL', b'Wheel-Version: 1.0\\nGenerator: larder-tests (1.0)\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')
        record.append(dist_info + '/RECORD,,')
        archive.writestr(dist_info + '/RECORD', '\\n'.join(record) + '\\n')
    return filename
`;

const PYPROJECT = '[build-system]\nrequires = []\nbuild-backend = "_larder_build"\nbackend-path = ["."]\n';

/** A source distribution `{stem}-{version}.tar.gz` with PKG-INFO, buildable by pip without any index. */
export function buildSdist(spec: DistributionSpec): BuiltDistribution {
  const root = `${distributionStem(spec.name)}-${spec.version}`;
  const metadata = coreMetadata(spec);
  const entries: TarEntry[] = [
    { path: `${root}/PKG-INFO`, content: metadata },
    { path: `${root}/pyproject.toml`, content: PYPROJECT },
    { path: `${root}/_larder_build.py`, content: BACKEND },
    ...[...packageFiles(spec)].map(([path, content]) => ({ path: `${root}/${path}`, content })),
  ];
  let bytes = gzipSync(tar(entries));
  // Measured on the uncompressed tar: the padding goes in stored, so that is what it adds to.
  const pad = padding(spec, tar(entries).length);
  if (pad !== undefined) {
    entries.push({ path: `${root}/${distributionStem(spec.name)}/padding.bin`, content: pad });
    bytes = gzipSync(tar(entries), { level: 0 }); // stored blocks: random bytes do not compress anyway
  }
  return { filename: `${root}.tar.gz`, bytes, sha256: sha256Hex(bytes), metadata };
}
