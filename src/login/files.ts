/**
 * Reading and writing the user's config files for login and logout: text only (a file that is not
 * UTF-8 is refused, so what logout puts back is byte for byte what was there), written whole to
 * a temp file in the same directory and renamed into place, keeping the file's mode. A symlinked
 * file (dotfiles kept in a repository) is written where the link points, so the link stays.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LarderError } from '../errors.js';

export interface TextFile {
  /** The path as login names it. */
  path: string;
  /** Where the bytes are (the link's target for a symlink). */
  realPath: string;
  /** undefined when the file does not exist. */
  content: string | undefined;
  /** Permission bits to keep; undefined for a file still to be made. */
  mode: number | undefined;
}

/** New files hold a token: only their owner may read them. */
const NEW_FILE_MODE = 0o600;

function failure(operation: string, path: string, error: unknown): LarderError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (error as Error).message;
  return new LarderError('E_STORE', `cannot ${operation} ${path}: ${why}`, { operation: 'login.files', cause: error, details: { path } });
}

export async function readTextFile(path: string): Promise<TextFile> {
  let realPath: string;
  try {
    realPath = await realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path, realPath: path, content: undefined, mode: undefined };
    throw failure('read', path, error);
  }
  try {
    const [bytes, info] = await Promise.all([readFile(realPath), stat(realPath)]);
    const content = bytes.toString('utf8');
    if (!Buffer.from(content, 'utf8').equals(bytes)) {
      throw new LarderError('E_USAGE', `${path} is not UTF-8 text; larder login edits text files only: fix or move it, then run the command again`, {
        operation: 'login.files',
        details: { path },
      });
    }
    return { path, realPath, content, mode: info.mode & 0o7777 };
  } catch (error) {
    if (error instanceof LarderError) throw error;
    throw failure('read', path, error);
  }
}

/** Writes `content` to `path` through a temp file in the same directory and a rename. */
export async function writeFileAtomic(path: string, content: string, mode: number = NEW_FILE_MODE): Promise<void> {
  const dir = dirname(path);
  const draft = join(dir, `.${basename(path)}.larder-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(draft, 'wx', mode);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The umask narrowed the mode at creation; the kept mode is set as it was.
    await chmod(draft, mode);
    await rename(draft, path);
  } catch (error) {
    await rm(draft, { force: true }).catch((cleanup: unknown) => {
      // The write already failed and is reported; a leftover temp file is named in no message.
      void cleanup;
    });
    throw failure('write', path, error);
  }
}

export async function removeFile(path: string): Promise<void> {
  try {
    await rm(path, { force: true });
  } catch (error) {
    throw failure('remove', path, error);
  }
}

/** Puts `file`'s new content in place: written, removed (undefined), or left when unchanged. */
export async function storeTextFile(file: TextFile, content: string | undefined): Promise<void> {
  if (content === file.content) return;
  if (content === undefined) await removeFile(file.realPath);
  else await writeFileAtomic(file.realPath, content, file.mode ?? NEW_FILE_MODE);
}
