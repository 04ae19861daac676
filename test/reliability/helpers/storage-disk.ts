/**
 * A real "disk full" for a running daemon, in the best form the machine allows:
 *  - tmpfs: as root, a small tmpfs holds the data dir; a filler file eats its free space, so the
 *    next write past `room` bytes fails with ENOSPC; removing the filler gives the space back.
 *  - rlimit: without a tmpfs, the closest real fault is RLIMIT_FSIZE, set on the running daemon
 *    with prlimit: a write that grows a file past `room` bytes fails with EFBIG (node ignores
 *    SIGXFSZ); raising the limit again is "space returns". It is per file, not per disk, so only
 *    files bigger than `room` fail — the big tarball's tmp file, not the small records file.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface DiskFault {
  kind: 'tmpfs' | 'rlimit';
  /** One line for the report: which fault, how big. */
  description: string;
  dataDir: string;
  /** From now on, writes past `room` more bytes fail (`pid`: the daemon). */
  exhaust(pid: number, room: number): Promise<void>;
  /** The space comes back. */
  restore(pid: number): Promise<void>;
  /** Unmounts / cleans up; safe to call twice. */
  release(): Promise<void>;
}

function failure(error: unknown): string {
  const { stderr, message } = error as { stderr?: unknown; message?: unknown };
  return (typeof stderr === 'string' && stderr.trim() !== '' ? stderr : String(message)).trim();
}

/** Mounts a tmpfs of `sizeBytes` at `<work>/mnt`, or says exactly why it cannot. */
export async function tmpfsFault(work: string, sizeBytes: number): Promise<DiskFault | { unavailable: string }> {
  const uid = process.getuid?.();
  if (uid !== 0) return { unavailable: `not running as root (uid ${String(uid)}): mounting a tmpfs needs root` };
  const mountPoint = join(work, 'mnt');
  await mkdir(mountPoint, { recursive: true });
  try {
    await exec('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', mountPoint]);
  } catch (error) {
    return { unavailable: `mount -t tmpfs -o size=${sizeBytes} tmpfs ${mountPoint} failed: ${failure(error)}` };
  }
  let mounted = true;
  const filler = join(mountPoint, 'filler.bin');
  const dataDir = join(mountPoint, 'data');
  await mkdir(dataDir);
  return {
    kind: 'tmpfs',
    description: `a ${sizeBytes / 1024 / 1024} MiB tmpfs holding the data dir, filled by a filler file (ENOSPC)`,
    dataDir,
    exhaust: async (_pid, room) => {
      const info = await statfs(mountPoint);
      const free = info.bavail * info.bsize;
      if (free <= room) return;
      await writeFile(filler, Buffer.alloc(free - room));
    },
    restore: async () => {
      await rm(filler, { force: true });
    },
    release: async () => {
      if (!mounted) return;
      mounted = false;
      // Lazy: a daemon that failed to stop may still hold a file open there.
      await exec('umount', ['-l', mountPoint]);
    },
  };
}

/** RLIMIT_FSIZE through prlimit(1), or why it is not available. */
export async function rlimitFault(work: string): Promise<DiskFault | { unavailable: string }> {
  try {
    await exec('prlimit', ['--version']);
  } catch (error) {
    return { unavailable: `prlimit is not available: ${failure(error)}` };
  }
  const dataDir = join(work, 'data');
  await mkdir(dataDir, { recursive: true });
  const limit = (pid: number, soft: string): Promise<unknown> => exec('prlimit', ['--pid', String(pid), `--fsize=${soft}:unlimited`]);
  return {
    kind: 'rlimit',
    description: 'RLIMIT_FSIZE set on the running daemon with prlimit (EFBIG past the limit)',
    dataDir,
    exhaust: async (pid, room) => {
      await limit(pid, String(room));
    },
    restore: async (pid) => {
      await limit(pid, 'unlimited');
    },
    release: () => Promise.resolve(),
  };
}
