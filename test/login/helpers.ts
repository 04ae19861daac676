/**
 * Shared by the login tests: a login target, user config paths under a given home, and a check
 * that a plan's edit applied then undone by its marks gives back the original text.
 */
import type { Test } from 'tap';
import type { LoginTarget } from '../../src/login/endpoints.js';
import type { FileEdit } from '../../src/login/file-edit.js';
import { removeLoginChanges } from '../../src/login/markers.js';
import { userConfigPaths, type UserConfigPaths } from '../../src/login/paths.js';
import type { ToolName } from '../../src/login/tool-names.js';

export const TOKEN = 'lt1.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl';

export function target(base = 'http://127.0.0.1:7878/', repository = 'default'): LoginTarget {
  return { base: new URL(base), repository, token: TOKEN };
}

export function pathsUnder(home: string): UserConfigPaths {
  return userConfigPaths({ HOME: home }, home);
}

export const HOME = '/home/tester';
export const PATHS = pathsUnder(HOME);

/** The edit for `path` in a plan's edits. */
export function editFor(edits: readonly FileEdit[], path: string): FileEdit {
  const edit = edits.find((candidate) => candidate.path === path);
  if (edit === undefined) throw new Error(`no edit for ${path} among ${edits.map((e) => e.path).join(', ')}`);
  return edit;
}

/**
 * Applies `edit` to `before`, asserts that taking login's marks out gives back `before` exactly
 * (or `left` when login had to make a file from nothing), and returns the edited text.
 */
export function roundTrip(t: Test, tool: ToolName, edit: FileEdit, before: string | undefined, label: string, left = before ?? ''): string {
  const after = edit.apply(before);
  t.not(after, before ?? '', `${label}: login changes the file`);
  const removal = removeLoginChanges(after, tool, edit.comments);
  t.equal(removal.text, left, `${label}: the marks alone give back the text before login`);
  return after;
}
