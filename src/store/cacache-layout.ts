/**
 * The few cacache calls the blob store needs, typed narrowly, in one place.
 *
 * Two of them reach past cacache's documented API, because the documented one is wrong for us:
 * - its read stream reads a blob in one chunk of up to 64 MiB and only reports a bad digest after
 *   sending every byte (DESIGN §5), so we read the content file ourselves, at the path cacache's
 *   own `contentPath` computes (the blob-store tests read back what cacache wrote, so a layout
 *   change in a cacache upgrade fails them);
 * - `rm.entry`'s types omit `removeFully`, without which removing an index entry appends a
 *   tombstone line instead of deleting the bucket.
 */
import { createRequire } from 'node:module';
import type Cacache from 'cacache';

const require = createRequire(import.meta.url);

/** Absolute path of the content file for a single-hash SRI string. */
export const contentPath = require('cacache/lib/content/path.js') as (cache: string, integrity: string) => string;

/**
 * cacache itself, loaded on first use: it is the slowest module larder has to load (about a
 * fifth of the time to start), and reads never need it.
 */
let loaded: Promise<typeof Cacache> | undefined;
export function cacache(): Promise<typeof Cacache> {
  loaded ??= import('cacache').then((module) => module.default);
  return loaded;
}

/** Removes a key's index bucket outright. */
export async function removeIndexEntry(cache: string, key: string): Promise<void> {
  const entry = (await cacache()).rm.entry as (cache: string, key: string, opts: { removeFully: boolean }) => Promise<unknown>;
  await entry(cache, key, { removeFully: true });
}
