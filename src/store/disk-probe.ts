/**
 * Can the data dir take writes right now? For the health endpoint: a service container or a
 * systemd watchdog should hear "failing" when the disk is full, read-only or gone, before a
 * client's install does. A real write (create, write, fsync, remove) is the only honest test.
 */
import { open, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../errors.js';

export interface DiskProbe {
  writable: boolean;
  /** Bytes available to larder on the data dir's file system (undefined when unknown). */
  freeBytes?: number;
  /** Why it is not writable. */
  error?: string;
}

export async function probeDataDir(dataDir: string): Promise<DiskProbe> {
  const file = join(dataDir, `.health-probe-${process.pid}`);
  let writable = true;
  let error: string | undefined;
  try {
    const handle = await open(file, 'w');
    try {
      await handle.writeFile('ok');
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (failure) {
    writable = false;
    error = describeError(failure);
  } finally {
    await rm(file, { force: true }).catch(() => undefined); // a leftover probe file is harmless and swept next time
  }
  let freeBytes: number | undefined;
  try {
    const stats = await statfs(dataDir);
    freeBytes = stats.bavail * stats.bsize;
  } catch (failure) {
    void failure; // the free space is extra information; the write above is the verdict
  }
  return { writable, ...(freeBytes === undefined ? {} : { freeBytes }), ...(error === undefined ? {} : { error }) };
}
