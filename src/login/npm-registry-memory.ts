/**
 * The npm registry the user had before `larder login` pointed npm at larder. Once login has
 * written `registry=` larder's own address, `npm config get registry` answers larder itself, and
 * a `public:npmjs` connection that reads npm's configuration would loop. So login asks npm first
 * and keeps the answer in `<dataDir>/login-v1/npm-registry.json` (`{"registry":"…/"}`); the
 * daemon reads it back with readSavedNpmRegistry; logout deletes it with the last npm-family login.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNpm, type NpmRunner } from '../config/npm-registry.js';
import { LarderError } from '../errors.js';
import { removeFile, writeFileAtomic } from './files.js';
import { loginDir } from './records.js';

const MEMORY_FILE = 'npm-registry.json';

export function savedNpmRegistryPath(dataDir: string): string {
  return join(loginDir(dataDir), MEMORY_FILE);
}

/** An http(s) URL without query or fragment, ending in `/`; undefined for anything else. */
function registryUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    void error; // not a URL: the caller says what it expected
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') return undefined;
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}

/** The registry npm used before login pointed it at larder, or undefined when login has not kept one. */
export async function readSavedNpmRegistry(dataDir: string): Promise<string | undefined> {
  const path = savedNpmRegistryPath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LarderError('E_STORE', `cannot read ${path}: ${(error as Error).message}`, { operation: 'login.npmRegistry', cause: error });
  }
  let registry: unknown;
  try {
    registry = (JSON.parse(text) as { registry?: unknown } | null)?.registry;
  } catch (error) {
    void error; // not JSON: reported below with the other unusable contents
    registry = undefined;
  }
  const url = typeof registry === 'string' ? registryUrl(registry) : undefined;
  if (url === undefined) {
    throw new LarderError('E_STORE', `${path} should hold {"registry":"<the npm registry URL>"}; fix it, or delete it and give the npm connection a url in the config`, {
      operation: 'login.npmRegistry',
      details: { path },
    });
  }
  return url;
}

export async function saveNpmRegistry(dataDir: string, registry: string): Promise<void> {
  await writeFileAtomic(savedNpmRegistryPath(dataDir), `${JSON.stringify({ registry })}\n`, 0o600);
}

export async function forgetNpmRegistry(dataDir: string): Promise<void> {
  await removeFile(savedNpmRegistryPath(dataDir));
}

export type NpmRegistryAnswer = { ok: true; registry: string } | { ok: false; why: string };

/** What `npm config get registry` answers now, asked from an empty temp directory so no project .npmrc applies. */
export async function currentNpmRegistry(env: NodeJS.ProcessEnv, run: NpmRunner = runNpm): Promise<NpmRegistryAnswer> {
  const cwd = await mkdtemp(join(tmpdir(), 'larder-login-'));
  try {
    const stdout = await run(['config', 'get', 'registry'], { cwd, env, timeoutMs: 10_000 });
    const answer = stdout.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '').pop() ?? '';
    const registry = registryUrl(answer);
    return registry === undefined ? { ok: false, why: `\`npm config get registry\` answered ${JSON.stringify(answer)}, not an http(s) URL` } : { ok: true, registry };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, why: code === 'ENOENT' ? 'npm is not on the PATH' : `\`npm config get registry\` failed: ${(error as Error).message.split('\n')[0] ?? ''}` };
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}
