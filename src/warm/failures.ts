/**
 * Why one listed version could not be warmed, and what the person running `larder warm` can do
 * about it. Each kind has a stable name (for --json and scripts), an error code, and a fix.
 */
import { LarderError, type ErrorCode } from '../errors.js';
import type { DaemonAnswer } from './daemon-http.js';

export const FAILURE_KINDS = [
  'not-found', // no repository searched has it
  'unavailable', // the version is retained but Archived or Disposed
  'lockfile-mismatch', // the registry's bytes differ from the digest the lockfile pins
  'upstream-integrity', // the upstream sent bytes that do not match its own metadata
  'transfer', // the bytes larder sent do not match the digest it serves them under
  'upstream', // the upstream is unreachable, timing out, cooling down or failing
  'offline', // the daemon runs offline and never retained it
  'not-retained', // fetched, yet the daemon never recorded it as retained
  'ingestion-timeout', // the daemon was still ingesting it when warm gave up waiting
  'unauthorized', // the daemon wants a token
  'daemon', // no answer from the daemon, or an answer that is not larder's
  'no-files', // PyPI: no file of that version (with a pinned digest) on the page
  'snapshot', // Maven SNAPSHOTs change with every build and are never retained
  'invalid', // the lockfile names something no registry could serve
] as const;

export type FailureKind = (typeof FAILURE_KINDS)[number];

const CODES: Record<FailureKind, ErrorCode> = {
  'not-found': 'E_NOT_FOUND',
  unavailable: 'E_NOT_FOUND',
  'lockfile-mismatch': 'E_INTEGRITY_MISMATCH',
  'upstream-integrity': 'E_INTEGRITY_MISMATCH',
  transfer: 'E_INTEGRITY_MISMATCH',
  upstream: 'E_UPSTREAM_UNREACHABLE',
  offline: 'E_OFFLINE',
  'not-retained': 'E_STORE',
  'ingestion-timeout': 'E_INGESTION_IN_PROGRESS',
  unauthorized: 'E_UNAUTHORIZED',
  daemon: 'E_UPSTREAM_UNREACHABLE',
  'no-files': 'E_NOT_FOUND',
  snapshot: 'E_BAD_REQUEST',
  invalid: 'E_BAD_REQUEST',
};

/** What to do about each kind; `{repo}` is the repository warmed. */
const FIXES: Record<FailureKind, string> = {
  'not-found':
    'check that this name and version exist on the upstream registry, and that {repo} searches a repository with an external connection for this format (larder repos describe {repo})',
  unavailable: 'restore it with larder versions set-status … --status Published (an Archived version), or delete the record so it can be fetched again (a Disposed one)',
  'lockfile-mismatch':
    'the lockfile is wrong or the version was republished upstream: larder verified these bytes against the registry\'s own metadata. Regenerate the lockfile (npm install, pip-compile --generate-hashes, …) or find out why the package changed before trusting it',
  'upstream-integrity': 'the registry (or a proxy in front of it) serves bytes that do not match its own metadata; larder kept nothing. Try again later; report it to the registry if it persists',
  transfer: 'run larder verify --repair (it evicts corrupt blobs, which are fetched again), then warm again',
  upstream: 'check that the daemon\'s machine can reach the upstream registry (larder repos describe {repo} shows its state), then warm again',
  offline: 'restart the daemon without --offline (and with offline: false in its config) to warm it',
  'not-retained': 'look for warnings in the daemon\'s log (its data dir may be failing or full), then warm again',
  'ingestion-timeout': 'the daemon goes on fetching it in the background: run larder warm again in a while',
  unauthorized: 'give a token from larder token create with --token or $LARDER_TOKEN',
  daemon: 'start the daemon with larder serve, or point --url at it',
  'no-files': 'check the pins: regenerate the lockfile\'s hashes for the files this index serves (pip-compile --generate-hashes), or use an index that has them',
  snapshot: 'pin a release version; a SNAPSHOT is fetched afresh by every build',
  invalid: 'fix the entry in the lockfile (or regenerate it)',
};

export class WarmFailure extends LarderError {
  readonly kind: FailureKind;

  constructor(kind: FailureKind, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(CODES[kind], message, { operation: 'warm.item', ...options });
    this.name = 'WarmFailure';
    this.kind = kind;
  }

  /** How to fix it, for repository `repository`. */
  fix(repository: string): string {
    return FIXES[this.kind].replaceAll('{repo}', repository);
  }
}

/** A failure as reports carry it. */
export interface FailureReport {
  kind: FailureKind;
  code: ErrorCode;
  message: string;
  fix: string;
}

export function reportOf(failure: WarmFailure, repository: string): FailureReport {
  return { kind: failure.kind, code: failure.code, message: failure.message, fix: failure.fix(repository) };
}

/** Any error from warming one item as a WarmFailure. */
export function asWarmFailure(error: unknown): WarmFailure {
  if (error instanceof WarmFailure) return error;
  if (error instanceof LarderError) {
    if (error.operation === 'warm.connect') return new WarmFailure('daemon', error.message, { cause: error });
    if (error.code === 'E_BAD_REQUEST' || error.code === 'E_BAD_DIGEST') return new WarmFailure('invalid', error.message, { cause: error });
  }
  return new WarmFailure('daemon', error instanceof Error ? error.message : String(error), { cause: error });
}

/** The daemon's refusal of a client request as a failure of the right kind. */
export function failureFromAnswer(answer: DaemonAnswer, what: string): WarmFailure {
  const said = `larder answered ${answer.status}${answer.code === undefined ? '' : ` ${answer.code}`} for ${what}: ${answer.message}`;
  const kind = kindOf(answer);
  return new WarmFailure(kind, said, { details: { status: answer.status, code: answer.code } });
}

function kindOf(answer: DaemonAnswer): FailureKind {
  switch (answer.code) {
    case 'E_NOT_FOUND':
    case 'E_REPOSITORY_UNKNOWN':
      return 'not-found';
    case 'E_INTEGRITY_MISMATCH':
      return 'upstream-integrity';
    case 'E_INGESTION_IN_PROGRESS':
      return 'ingestion-timeout';
    case 'E_UNAUTHORIZED':
      return 'unauthorized';
    case 'E_BAD_REQUEST':
    case 'E_BAD_DIGEST':
      return 'invalid';
    case 'E_UPSTREAM_UNREACHABLE':
    case 'E_UPSTREAM_TIMEOUT':
    case 'E_UPSTREAM_STATUS':
    case 'E_UPSTREAM_BAD_RESPONSE':
    case 'E_UPSTREAM_COOLDOWN':
      return 'upstream';
    case 'E_OFFLINE':
      return 'offline';
    default:
      if (answer.status === 401) return 'unauthorized';
      if (answer.status === 404) return 'not-found';
      if (answer.status >= 500) return 'upstream';
      return 'daemon';
  }
}
