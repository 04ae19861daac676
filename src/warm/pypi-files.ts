/**
 * Which files of a pinned PyPI version to fetch, read from the daemon's own project page as pip
 * reads it (PEP 691 JSON): every file of that version, or only those whose digest the lockfile
 * pins, plus any file the lockfile names; with each, its PEP 658 `.metadata` when the page offers
 * it (pip asks for that first). Each file is checked against the page's digest while it streams.
 */
import { isLarderError } from '../errors.js';
import type { PypiFile } from '../formats/pypi/file.js';
import { distributionVersion, normalizeProjectName } from '../formats/pypi/names.js';
import { parseJsonPage } from '../formats/pypi/page-json.js';
import { compareParsed, parseVersion } from '../formats/pypi/version.js';
import { readCapped } from './daemon-http.js';
import { hexPin, pinHex, sriPin, type Pin } from './digests.js';
import { fetchThrough, type FetchContext } from './fetch-through.js';
import { WarmFailure } from './failures.js';
import { itemLabel, pypiPageUrl, type PlannedFile } from './items.js';
import type { PypiWarmItem } from './types.js';

export const PYPI_JSON = 'application/vnd.pypi.simple.v1+json';
/** Metadata may be held in memory, with a cap (DESIGN §3); the daemon's own default cap. */
const MAX_PAGE_BYTES = 64 * 1024 * 1024;

export interface PypiPlan {
  files: PlannedFile[];
  /** Times the page request was asked again. */
  retries: number;
}

export async function pypiFiles(ctx: FetchContext, repository: string, item: PypiWarmItem): Promise<PypiPlan> {
  const label = itemLabel(item);
  const project = normalizeProjectName(item.name);
  const wanted = parseVersion(item.version);
  if (wanted === undefined) throw new WarmFailure('invalid', `${label}: "${item.version}" is not a PEP 440 version`);
  const pins = item.integrities.map((integrity) => sriPin(integrity, 'lockfile'));
  const pageUrl = pypiPageUrl(ctx.http, repository, item.name);
  const fetched = await fetchThrough(ctx, pageUrl, `the project page of ${project}`, PYPI_JSON, async (res) => {
    const text = await readCapped(res.body, MAX_PAGE_BYTES);
    if (text === undefined) throw new WarmFailure('daemon', `larder's project page for ${project} is over ${MAX_PAGE_BYTES} bytes`);
    return text;
  });
  let files: PypiFile[];
  try {
    files = parseJsonPage(fetched.value, pageUrl, project).files;
  } catch (error) {
    if (!isLarderError(error)) throw error;
    throw new WarmFailure('daemon', `larder's project page for ${project} is unreadable: ${error.message}`, { cause: error });
  }

  // PEP 440 equality, as `==` means it to pip: `1.0` is `1.0.0`.
  const ofVersion = files.filter((file) => {
    const version = parseVersion(distributionVersion(project, file.filename) ?? '');
    return version !== undefined && compareParsed(version, wanted) === 0;
  });
  if (ofVersion.length === 0) {
    throw new WarmFailure('not-found', `${label}: the project page for ${project} in ${repository} lists no file of version ${item.version}`);
  }
  const chosen = pins.length === 0 ? ofVersion : ofVersion.filter((file) => pins.some((pin) => matches(file, pin)));
  for (const name of item.files ?? []) {
    const named = files.find((file) => file.filename === name);
    if (named === undefined) throw new WarmFailure('not-found', `${label}: the lockfile names ${name}, which the project page for ${project} in ${repository} does not list`);
    if (!chosen.includes(named)) chosen.push(named);
  }
  if (chosen.length === 0) {
    throw new WarmFailure(
      'no-files',
      `${label}: none of the ${ofVersion.length} files of ${item.version} on the project page has a digest the lockfile pins (${pins.map((pin) => pin.integrity).join(', ')})`,
    );
  }
  return { files: chosen.flatMap((file) => planned(ctx, file)), retries: fetched.retries };
}

/** True when the page lists `file` with the pinned digest. */
function matches(file: PypiFile, pin: Pin): boolean {
  const { algorithm, hex } = pinHex(pin);
  return file.hashes[algorithm] === hex;
}

/** The page's digests of a file as pins (the ones hashing can check). */
function indexPins(hashes: Record<string, string>): Pin[] {
  return ['sha256', 'sha512', 'sha1'].flatMap((algorithm) => {
    const hex = hashes[algorithm];
    const pin = hex === undefined ? undefined : hexPin(hex, 'index');
    return pin === undefined ? [] : [pin];
  });
}

/** The file, and its core metadata when the page offers it with a digest. */
function planned(ctx: FetchContext, file: PypiFile): PlannedFile[] {
  const url = onDaemon(ctx, new URL(file.url), file.filename);
  const main: PlannedFile = { name: file.filename, url, pins: indexPins(file.hashes) };
  const metadata = file.coreMetadata;
  if (typeof metadata !== 'object' || metadata.sha256 === undefined) return [main];
  const metadataUrl = new URL(url);
  metadataUrl.pathname = `${url.pathname}.metadata`;
  return [{ name: `${file.filename}.metadata`, url: metadataUrl, pins: indexPins(metadata) }, main];
}

/**
 * The page's file URL on the daemon's origin. The daemon writes `http://` + the Host it was
 * asked with; behind a TLS proxy that is the right host with the wrong scheme, so the path is
 * kept and the scheme and port come from --url. A file on any other host is refused: the token
 * goes only to the daemon.
 */
function onDaemon(ctx: FetchContext, url: URL, filename: string): URL {
  if (url.hostname !== ctx.http.base.hostname) {
    throw new WarmFailure('daemon', `the project page points ${filename} at ${url.origin}, not at larder (${ctx.http.display}); larder warm fetches only from larder`);
  }
  return new URL(`${url.pathname}${url.search}`, ctx.http.base.origin);
}
