/**
 * The data dir's signing secret for access tokens: 32 random bytes in `<dataDir>/token-secret`,
 * readable by its owner only. Made on first use by whichever comes first, the daemon or
 * `larder token create`, so both sign and check with the same one; deleting it revokes every
 * token.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LarderError } from '../errors.js';

export const SECRET_FILE = 'token-secret';
const SECRET_BYTES = 32;

export async function tokenSecret(dataDir: string): Promise<Buffer> {
  const file = join(dataDir, SECRET_FILE);
  const draft = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(dataDir, { recursive: true });
    // Written whole under another name, then linked into place: link fails if the secret exists,
    // so two processes racing both end up reading the one complete secret that won.
    await writeFile(draft, randomBytes(SECRET_BYTES).toString('base64'), { flag: 'wx', mode: 0o600 });
    await link(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new LarderError('E_STORE', `cannot create the token secret ${file}: ${(error as Error).message}`, { operation: 'store.secret', cause: error });
    }
  } finally {
    await rm(draft, { force: true });
  }
  const secret = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  if (secret.length < SECRET_BYTES) {
    throw new LarderError('E_STORE', `the token secret ${file} is damaged (${secret.length} bytes); delete it to make a new one (every token made so far stops working)`, {
      operation: 'store.secret',
    });
  }
  return secret;
}
