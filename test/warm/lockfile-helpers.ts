/**
 * Helpers for the lockfile reader tests (test/warm/lockfiles*.test.ts): where the lockfiles the
 * real tools wrote live (test/fixtures/lockfiles/), and reading them back under other names.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import { readLockfile } from '../../src/warm/lockfiles/index.js';
import type { LockfileContents } from '../../src/warm/types.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'lockfiles');

/** A file under test/fixtures/lockfiles/. */
export const fixture = (path: string): string => join(FIXTURES, path);

/**
 * Copies fixtures into the test's directory under other names (new name → fixture path) and
 * reads each copy with readLockfile, which then has only the content to go by.
 */
export async function readUnderOtherNames(t: Test, copies: Record<string, string>): Promise<Record<string, LockfileContents>> {
  const files: Record<string, string> = {};
  for (const [name, from] of Object.entries(copies)) files[name] = await readFile(fixture(from), 'utf8');
  const dir = t.testdir(files);
  const read: Record<string, LockfileContents> = {};
  for (const name of Object.keys(copies)) read[name] = await readLockfile(join(dir, name));
  return read;
}

/** The kind readLockfile recognised, by file name. */
export function kindsOf(read: Record<string, LockfileContents>): Record<string, string> {
  return Object.fromEntries(Object.entries(read).map(([name, contents]) => [name, contents.kind]));
}
