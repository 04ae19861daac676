/**
 * What every lockfile reader shares: the one error they throw (E_USAGE, naming the file and the
 * line or entry, because the person who has to fix it is the one who ran `larder warm FILE`),
 * digest parsing (a lockfile's digest becomes the blob store's key, so junk is refused here:
 * DESIGN.md §5, cacache stores junk integrity strings unverified), the deduplicating item list,
 * and JSON / YAML parsing whose errors become that E_USAGE with a line and column.
 */
import { parseAllDocuments, YAMLError } from 'yaml';
import { describeError, LarderError } from '../../errors.js';
import type { WarmItem } from '../types.js';

export const OPERATION = 'warm.lockfile';

/** E_USAGE for a file larder cannot read: `where` is a line (`line 12`) or an entry (`entry "node_modules/x"`). */
export function malformed(fileName: string, where: string | undefined, message: string, cause?: unknown): LarderError {
  const at = where === undefined ? '' : ` (${where})`;
  return new LarderError('E_USAGE', `${fileName}${at}: ${message}`, {
    operation: OPERATION,
    ...(cause === undefined ? {} : { cause }),
    details: { file: fileName, ...(where === undefined ? {} : { where }) },
  });
}

/** `line N, column M` of a character offset, for parsers that report only an offset (JSON.parse). */
export function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/** Digest lengths in bytes; the order is strength, weakest first. */
const DIGEST_BYTES = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 } as const;
export type DigestAlgorithm = keyof typeof DIGEST_BYTES;

function isAlgorithm(name: string): name is DigestAlgorithm {
  return Object.hasOwn(DIGEST_BYTES, name);
}

function strength(sri: string): number {
  return Object.keys(DIGEST_BYTES).indexOf(sri.slice(0, sri.indexOf('-')));
}

/**
 * A lockfile's SRI string (`sha512-<base64>`, possibly several space-separated, possibly with
 * `?options`) as the single strongest digest it holds, checked for algorithm and length.
 * Throws E_USAGE on anything else, so junk never reaches the blob store.
 */
export function parseSri(value: unknown, fileName: string, where: string): string {
  if (typeof value !== 'string') throw malformed(fileName, where, `integrity must be a string, not ${JSON.stringify(value)}`);
  const hashes = value.trim().split(/\s+/).filter((part) => part !== '');
  let best: string | undefined;
  for (const hash of hashes) {
    const match = /^([a-z0-9]+)-([A-Za-z0-9+/]+={0,2})(\?\S*)?$/.exec(hash);
    const algorithm = match?.[1];
    const digest = match?.[2];
    if (algorithm === undefined || digest === undefined || !isAlgorithm(algorithm)) {
      throw malformed(fileName, where, `integrity ${JSON.stringify(value)} is not an SRI digest (sha512-…, sha384-…, sha256-… or sha1-…)`);
    }
    if (Buffer.from(digest, 'base64').length !== DIGEST_BYTES[algorithm] || digest.length !== Math.ceil(DIGEST_BYTES[algorithm] / 3) * 4) {
      throw malformed(fileName, where, `integrity ${JSON.stringify(value)} has the wrong length for ${algorithm}`);
    }
    const sri = `${algorithm}-${digest}`;
    if (best === undefined || strength(sri) > strength(best)) best = sri;
  }
  if (best === undefined) throw malformed(fileName, where, 'integrity is empty');
  return best;
}

/** A hex digest (`sha256` + 64 hex digits) as SRI, e.g. pip's `--hash=sha256:HEX` → `sha256-<base64>`. */
export function hexToSri(algorithm: string, hex: string, fileName: string, where: string): string {
  const name = algorithm.toLowerCase();
  if (!isAlgorithm(name)) throw malformed(fileName, where, `unsupported digest algorithm ${JSON.stringify(algorithm)} (larder reads sha256, sha384, sha512 and sha1)`);
  if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== DIGEST_BYTES[name] * 2) {
    throw malformed(fileName, where, `${name} digest ${JSON.stringify(hex)} is not ${DIGEST_BYTES[name] * 2} hex digits`);
  }
  return `${name}-${Buffer.from(hex, 'hex').toString('base64')}`;
}

/**
 * Items in first-seen order, one per key: a lockfile that lists the same version twice (an npm
 * alias beside the real name, two constraints on one pin) gives one item; `merge` folds the
 * later one's facts (digests, file names) into the kept one.
 */
export class ItemList<T extends WarmItem> {
  private readonly byKey = new Map<string, T>();

  constructor(
    private readonly key: (item: T) => string,
    private readonly merge: (kept: T, next: T) => void,
  ) {}

  add(item: T): void {
    const key = this.key(item);
    const kept = this.byKey.get(key);
    if (kept === undefined) this.byKey.set(key, item);
    else this.merge(kept, item);
  }

  get items(): T[] {
    return [...this.byKey.values()];
  }
}

/**
 * Two pins of one npm version: keep the stronger digest; the same algorithm with different
 * digests means the lockfile contradicts itself, which no install could satisfy.
 */
export function strongerIntegrity(kept: string | undefined, next: string | undefined, fileName: string, what: string): string | undefined {
  if (kept === undefined || next === undefined || kept === next) return kept ?? next;
  if (strength(kept) === strength(next)) throw malformed(fileName, `entry ${JSON.stringify(what)}`, `two different ${kept.slice(0, kept.indexOf('-'))} digests for the same version`);
  return strength(next) > strength(kept) ? next : kept;
}

/** Plain-object check for parsed JSON / YAML / TOML values. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type Skipped = Array<{ entry: string; reason: string }>;

/** JSON.parse whose SyntaxError becomes E_USAGE with the line and column of the fault. */
export function parseJson(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const position = /at position (\d+)/.exec(error.message)?.[1];
    const where = position === undefined ? `line ${text.split('\n').length}` : lineAndColumn(text, Number(position));
    throw malformed(fileName, where, `not valid JSON: ${error.message.replace(/ in JSON at position \d+.*$/, '')}`, error);
  }
}

/** A YAML parse error as E_USAGE with its line and column. */
function yamlError(error: YAMLError, fileName: string): LarderError {
  const at = error.linePos?.[0];
  const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.code;
  return malformed(fileName, at === undefined ? undefined : `line ${at.line}, column ${at.col}`, `not valid YAML: ${message}`, error);
}

/** Every document of a YAML stream (pnpm-lock.yaml may hold two, separated by `---`), errors as E_USAGE. */
export function parseYamlDocuments(text: string, fileName: string): unknown[] {
  const documents = [...parseAllDocuments(text, { logLevel: 'error' })];
  for (const document of documents) {
    const error = document.errors[0];
    if (error !== undefined) throw yamlError(error, fileName);
  }
  try {
    return documents.map((document) => document.toJS() as unknown);
  } catch (error) {
    // toJS refuses alias bombs (yaml's maxAliasCount) with a ReferenceError.
    throw malformed(fileName, undefined, `not usable YAML: ${describeError(error)}`, error);
  }
}

/** A single-document YAML file (berry's yarn.lock); `null` when empty. */
export function parseYaml(text: string, fileName: string): unknown {
  const documents = parseYamlDocuments(text, fileName);
  if (documents.length > 1) throw malformed(fileName, undefined, `not valid YAML here: ${documents.length} documents where one is expected`);
  return documents[0] ?? null;
}
