/**
 * Reading a lockfile for `larder warm`: the file is read once, its kind detected (detect.ts), and
 * the pure reader of that kind turns it into a LockfileContents. The one kind that names other
 * files, requirements.txt (`-r` / `-c`), has its includes read here, relative to the file that
 * names them, each file once; their items are merged after the including file's own.
 *
 * Every failure is E_USAGE naming the file: unreadable, unrecognised (with the kinds larder
 * understands), or malformed (with the line or entry).
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { describeError } from '../../errors.js';
import type { LockfileContents } from '../types.js';
import { malformed } from './common.js';
import { detectReader, KINDS_UNDERSTOOD } from './detect.js';
import { pypiItemList, readRequirements, type RequirementsContents } from './requirements.js';

export { detectReader, KINDS_UNDERSTOOD, type LockfileReader } from './detect.js';
export { readMavenList } from './maven-list.js';
export { readPackageLock } from './npm-lock.js';
export { readPnpmLock } from './pnpm-lock.js';
export { readPylock } from './pylock.js';
export { readRequirements, type RequirementsContents, type RequirementsInclude } from './requirements.js';
export { readYarnBerry } from './yarn-berry.js';
export { readYarnClassic } from './yarn-classic.js';

/** A lockfile's text, already in memory, read by the reader its name or content calls for. Includes are not followed. */
export function readLockfileText(text: string, fileName: string): LockfileContents {
  const reader = detectReader(text, fileName);
  if (reader === undefined) throw malformed(fileName, undefined, `not a lockfile larder recognises. larder warm understands ${KINDS_UNDERSTOOD}.`);
  return reader(text, fileName);
}

/** Reads, recognises and parses the lockfile at `path` (and, for requirements files, what it includes). */
export async function readLockfile(path: string): Promise<LockfileContents> {
  const contents = readLockfileText(await readText(path), path);
  return isRequirements(contents) ? withIncludes(contents, path) : contents;
}

function isRequirements(contents: LockfileContents): contents is RequirementsContents {
  return 'includes' in contents && Array.isArray(contents.includes);
}

async function readText(path: string, includedFrom?: string): Promise<string> {
  try {
    // A byte-order mark (Windows editors write one) is not part of the first line.
    return (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    const from = includedFrom === undefined ? '' : ` (included from ${includedFrom})`;
    throw malformed(path, undefined, `cannot read it${from}: ${describeError(error)}`, error);
  }
}

/** The requirements file and everything it includes, depth first, each file once (so include cycles end). */
async function withIncludes(first: RequirementsContents, path: string): Promise<LockfileContents> {
  const items = pypiItemList();
  const skipped: LockfileContents['skipped'] = [];
  const seen = new Set<string>([resolve(path)]);
  const visit = async (contents: RequirementsContents, shownPath: string): Promise<void> => {
    for (const item of contents.items) items.add(item);
    skipped.push(...contents.skipped);
    for (const include of contents.includes) {
      const flag = include.kind === 'constraints' ? '-c' : '-r';
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(include.path)) {
        skipped.push({ entry: `${shownPath}:${include.line}: ${flag} ${include.path}`, reason: 'an include by URL is not followed' });
        continue;
      }
      const target = isAbsolute(include.path) ? include.path : join(dirname(shownPath), include.path);
      if (seen.has(resolve(target))) continue;
      seen.add(resolve(target));
      const text = await readText(target, `${shownPath}:${include.line}`);
      await visit(readRequirements(text, target), target);
    }
  };
  await visit(first, path);
  return { kind: first.kind, format: first.format, items: items.items, skipped };
}
