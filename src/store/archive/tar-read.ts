/**
 * Reads a tar archive (plain, or gzip: node-tar's Parser recognises it by its magic bytes) from a
 * file as an async sequence of entries, one at a time, each body a stream the caller consumes
 * before asking for the next. Backpressure is end to end: the Parser stops accepting file data
 * while the current entry is not being read, so a 500 MB blob never sits in memory.
 *
 * The Parser runs in strict mode: a bad header checksum, a truncated archive or broken gzip is
 * an error (E_BAD_REQUEST, "the archive is damaged"), never a warning that quietly ends early.
 */
import { createReadStream } from 'node:fs';
import { Parser, type ReadEntry } from 'tar';
import { LarderError, describeError } from '../../errors.js';

export interface TarReadEntry {
  name: string;
  size: number;
  /** node-tar's entry type name: 'File' for regular files. */
  type: string;
  /** The entry's bytes. Read it to the end, or call `skip`. */
  body: AsyncIterable<Buffer>;
  /** Discards what is left of the body. */
  skip(): Promise<void>;
}

function damaged(file: string, error: unknown): LarderError {
  return new LarderError('E_BAD_REQUEST', `the archive ${file} is damaged or not a tar archive: ${describeError(error)}`, { operation: 'archive.read', cause: error });
}

/** Resolves once `entry` has ended, draining it if nobody reads it, or has been destroyed by a failure. */
function drain(entry: ReadEntry): Promise<void> {
  if (entry.emittedEnd || entry.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    entry.once('end', () => resolve());
    // The failure itself reaches the caller through readTarFile; here it only ends the wait.
    entry.once('error', () => resolve());
    entry.resume();
  });
}

/**
 * The entries of the archive in `file`, in order. Stop iterating early (break) and the file is
 * closed. Errors: E_BAD_REQUEST when the archive is damaged, E_STORE when it cannot be read.
 */
export async function* readTarFile(file: string): AsyncGenerator<TarReadEntry> {
  const parser = new Parser({ strict: true });
  const source = createReadStream(file);
  const queue: ReadEntry[] = [];
  let failure: LarderError | undefined;
  let ended = false;
  let current: ReadEntry | undefined;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  const fail = (error: LarderError): void => {
    failure ??= error;
    // A caller reading the current entry would otherwise wait for bytes that never come.
    current?.destroy(failure);
    poke();
  };
  parser.on('entry', (entry: ReadEntry) => {
    // Errors reach a reader through its iteration; without a listener an entry destroyed while
    // nobody reads it would throw from inside the parser's event.
    entry.on('error', () => undefined);
    queue.push(entry);
    poke();
  });
  parser.on('error', (error: unknown) => fail(damaged(file, error)));
  parser.on('end', () => {
    ended = true;
    poke();
  });
  source.on('error', (error: NodeJS.ErrnoException) =>
    fail(
      error.code === 'ENOENT' || error.code === 'EISDIR'
        ? new LarderError('E_USAGE', `cannot read the archive ${file}: ${error.code === 'ENOENT' ? 'no such file' : 'it is a directory'}`, { operation: 'archive.read', cause: error })
        : new LarderError('E_STORE', `cannot read the archive ${file}: ${describeError(error)}`, { operation: 'archive.read', cause: error }),
    ),
  );
  source.pipe(parser);
  try {
    for (;;) {
      if (failure !== undefined) throw failure;
      const entry = queue.shift();
      if (entry !== undefined) {
        current = entry;
        yield { name: entry.path, size: entry.size, type: entry.type, body: entry, skip: () => drain(entry) };
        // Whatever the caller left unread goes, so the parser moves on to the next entry.
        await drain(entry);
        current = undefined;
        continue;
      }
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    source.unpipe(parser);
    source.destroy();
  }
}
