/**
 * Which reader a lockfile needs: by its file name when that is one of the names the tools write,
 * otherwise by a cheap look at its content, so a `package-lock.json` copied to `deps.json`, or a
 * requirements file called `prod.txt`, is still recognised. Pure: text and name in, reader out.
 */
import { basename } from 'node:path';
import type { LockfileContents } from '../types.js';
import { readMavenList } from './maven-list.js';
import { readPackageLock } from './npm-lock.js';
import { readPnpmLock } from './pnpm-lock.js';
import { readPylock } from './pylock.js';
import { readRequirements } from './requirements.js';
import { readYarnBerry } from './yarn-berry.js';
import { readYarnClassic } from './yarn-classic.js';

/** Every reader has this shape: a pure function of one file's text and its name (for messages). */
export type LockfileReader = (text: string, fileName: string) => LockfileContents;

/** What `larder warm` understands, for the message when it recognises nothing. */
export const KINDS_UNDERSTOOD =
  'package-lock.json (v1 to v3), npm-shrinkwrap.json, pnpm-lock.yaml (v5 to v9), yarn.lock (classic and berry), ' +
  'requirements.txt (pinned with ==), pylock.toml, and Maven dependency lists (`mvn dependency:list` output, or groupId:artifactId:version lines)';

const yarnReader = (text: string): LockfileReader => (/^__metadata:/m.test(text) ? readYarnBerry : readYarnClassic);

/** The reader a file's name calls for, or undefined when the name is not one the tools write. */
function readerByName(fileName: string, text: string): LockfileReader | undefined {
  const name = basename(fileName).toLowerCase();
  if (name === 'package-lock.json' || name === 'npm-shrinkwrap.json') return readPackageLock;
  if (name === 'pnpm-lock.yaml' || name === 'pnpm-lock.yml') return readPnpmLock;
  if (name === 'yarn.lock') return yarnReader(text);
  if (/^pylock(\.[^.]+)?\.toml$/.test(name)) return readPylock;
  if (/requirements.*\.txt$/.test(name) || /^constraints.*\.txt$/.test(name)) return readRequirements;
  return undefined;
}

const MAVEN_SECTION = /^(\[[A-Z]+\] ?)?The following files have been resolved:/m;
const COORDINATES = /^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+(:[A-Za-z0-9_.+-]+){1,4}(\s.*)?$/;
const PIP_LINE = /^(-[-a-zA-Z]|[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*(===?|~=|!=|<=?|>=?|@|;|--|$))/;

/** The lines that say something: not blank, not a `#` comment. */
function contentLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** The reader the content calls for, or undefined when it looks like none of the kinds. */
function readerByContent(text: string): LockfileReader | undefined {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      const doc = JSON.parse(text) as unknown;
      const isLock = typeof doc === 'object' && doc !== null && 'lockfileVersion' in doc && ('packages' in doc || 'dependencies' in doc);
      return isLock ? readPackageLock : undefined;
    } catch (error) {
      void error; // not JSON at all: then it is none of the kinds
      return undefined;
    }
  }
  if (/^lockfileVersion: /m.test(text) && /^(packages|importers|dependencies):/m.test(text)) return readPnpmLock;
  if (/^# yarn lockfile v1\s*$/m.test(text)) return readYarnClassic;
  if (/^__metadata:/m.test(text)) return readYarnBerry;
  if (/^lock-version\s*=/m.test(text)) return readPylock;
  if (MAVEN_SECTION.test(text)) return readMavenList;
  const lines = contentLines(text);
  if (lines.length === 0) return undefined;
  if (lines.every((line) => COORDINATES.test(line))) return readMavenList;
  if (lines.every((line) => PIP_LINE.test(line))) return readRequirements;
  return undefined;
}

/** The reader for this file: by name when the name is one the tools write, else by content. */
export function detectReader(text: string, fileName: string): LockfileReader | undefined {
  return readerByName(fileName, text) ?? readerByContent(text);
}
