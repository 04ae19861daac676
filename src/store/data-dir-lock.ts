/**
 * One daemon per data dir. The lock file `<dataDir>/daemon.lock` names the process holding it
 * by boot, pid and process start time, so a lock left by a daemon that was killed (kill -9, a
 * power cut, a CI cache restored on another machine) is recognised as stale even when its pid
 * has been reused. Holding the lock is what makes it safe to sweep the leftovers of writes that
 * were in flight when the previous daemon died: no other daemon can be writing them.
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LarderError } from '../errors.js';

export const LOCK_FILE = 'daemon.lock';

interface Holder {
  boot: string;
  pid: number;
  started: string;
  /**
   * The data dir's `dev:ino` when it was locked. A CI cache restored over the path (or a copy
   * made elsewhere) is a new directory: a daemon still running on the old one does not hold it.
   */
  dir?: string;
}

async function directoryIdentity(dataDir: string): Promise<string> {
  const stats = await stat(dataDir);
  return `${stats.dev}:${stats.ino}`;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    void error; // no /proc (not Linux) or no such process: unknown
    return undefined;
  }
}

/** This boot's id and a process's start time in clock ticks since boot (Linux); '' elsewhere. */
async function identify(pid: number): Promise<Holder | undefined> {
  const stat = await readText(`/proc/${pid}/stat`);
  const boot = (await readText('/proc/sys/kernel/random/boot_id')) ?? '';
  if (stat === undefined) return process.platform === 'linux' ? undefined : { boot, pid, started: '' };
  // Field 22 (starttime); the command name in field 2 may hold spaces and parentheses.
  const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { boot, pid, started: afterName[19] ?? '' };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but is someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function stillHeld(holder: Holder, dir: string): Promise<boolean> {
  if (holder.pid === process.pid || !isAlive(holder.pid)) return false;
  if (holder.dir !== undefined && holder.dir !== dir) return false;
  const now = await identify(holder.pid);
  return now === undefined ? false : now.boot === holder.boot && now.started === holder.started;
}

export interface DataDirLock {
  release(): Promise<void>;
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, LOCK_FILE);
  const me = await identify(process.pid);
  const dir = await directoryIdentity(dataDir);
  const text = `${JSON.stringify({ ...(me ?? { boot: '', pid: process.pid, started: '' }), dir })}\n`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      await writeFile(path, text, { flag: 'wx' });
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new LarderError('E_STORE', `cannot lock the data directory ${dataDir}: ${(error as Error).message}; give a writable one with --data-dir`, {
          operation: 'store.lock',
          cause: error,
        });
      }
    }
    const holder = parseHolder(await readText(path));
    if (holder !== undefined && (await stillHeld(holder, dir))) {
      throw new LarderError('E_LISTEN', `another larder (pid ${holder.pid}) is serving the data directory ${dataDir}; stop it, or give this one another --data-dir`, {
        operation: 'store.lock',
      });
    }
    // Stale: its holder is gone. Remove it and try again (another starter may win the race).
    await rm(path, { force: true });
  }
  throw new LarderError('E_STORE', `cannot lock the data directory ${dataDir}: another process keeps taking it`, { operation: 'store.lock' });
}

function parseHolder(text: string | undefined): Holder | undefined {
  try {
    const value = JSON.parse(text ?? '') as Partial<Holder>;
    const valid = typeof value.pid === 'number' && typeof value.boot === 'string' && typeof value.started === 'string' && (value.dir === undefined || typeof value.dir === 'string');
    return valid ? (value as Holder) : undefined;
  } catch (error) {
    void error; // a torn or foreign lock file: stale
    return undefined;
  }
}
