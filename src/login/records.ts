/**
 * The login record, `<dataDir>/login-v1/records.json`: for every file a login wrote, the tool,
 * the path, the content before (null when the file did not exist) and the content login left.
 * logout reads it to put files back. It holds tokens, so only its owner may read it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LarderError } from '../errors.js';
import { writeFileAtomic } from './files.js';
import type { CommentStyle } from './markers.js';
import { isToolName, type ToolName } from './tool-names.js';

export const LOGIN_DIR = 'login-v1';
const RECORDS_FILE = 'records.json';
const RECORDS_VERSION = 1;

export interface LoginRecord {
  tool: ToolName;
  path: string;
  /** How login marked its lines in this file. */
  comments: CommentStyle;
  before: string | null;
  after: string;
  /** When login wrote it (ISO 8601), for messages. */
  writtenAt: string;
}

export function loginDir(dataDir: string): string {
  return join(dataDir, LOGIN_DIR);
}

export function recordsPath(dataDir: string): string {
  return join(loginDir(dataDir), RECORDS_FILE);
}

function damaged(path: string, why: string, cause?: unknown): LarderError {
  return new LarderError(
    'E_STORE',
    `the login record ${path} is damaged (${why}); move it away to go on — logout then cannot undo earlier logins, so remove the blocks marked "larder login" from your config files by hand`,
    { operation: 'login.records', ...(cause === undefined ? {} : { cause }), details: { path } },
  );
}

function isRecord(value: unknown): value is LoginRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.tool === 'string' &&
    isToolName(record.tool) &&
    typeof record.path === 'string' &&
    (record.comments === '#' || record.comments === '//' || record.comments === 'xml') &&
    (record.before === null || typeof record.before === 'string') &&
    typeof record.after === 'string' &&
    typeof record.writtenAt === 'string'
  );
}

/** The records, oldest first; none when no login ran with this data dir. */
export async function readRecords(dataDir: string): Promise<LoginRecord[]> {
  const path = recordsPath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new LarderError('E_STORE', `cannot read the login record ${path}: ${(error as Error).message}`, { operation: 'login.records', cause: error });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw damaged(path, 'not JSON', error);
  }
  const { version, records } = (typeof document === 'object' && document !== null ? document : {}) as Record<string, unknown>;
  if (version !== RECORDS_VERSION) throw damaged(path, `version ${JSON.stringify(version)}, expected ${RECORDS_VERSION}`);
  if (!Array.isArray(records) || !records.every(isRecord)) throw damaged(path, 'a record lacks tool, path, comments, before, after or writtenAt');
  return records;
}

export async function writeRecords(dataDir: string, records: readonly LoginRecord[]): Promise<void> {
  await writeFileAtomic(recordsPath(dataDir), `${JSON.stringify({ version: RECORDS_VERSION, records }, null, 2)}\n`, 0o600);
}
