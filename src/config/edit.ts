/**
 * The config file as the source of truth for repositories (issue 5 §3): reloading it, and
 * editing repositories in place (create, update, delete, associate / disassociate a connection). Edits go through yaml's Document API so
 * comments and layout survive; the edited text is validated exactly as a load would before it is
 * written, and it is written to a temp file in the same directory and renamed over the original,
 * so a reader never sees half a file.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { isCollection, isMap, isNode, isScalar, parseDocument, type Document, type YAMLMap } from 'yaml';
import { LarderError } from '../errors.js';
import { applyOverrides, loadConfig, parseConfigText, type ConfigOverrides } from './load.js';
import type { LarderConfig } from './types.js';
import { validateConfig } from './validate.js';

/** Where the running config came from, so a reload or an edit reads it the same way again. */
export interface ConfigSource {
  /** The YAML file; undefined when the daemon runs on the embedded default. */
  file?: string;
  overrides?: ConfigOverrides;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** What an edit writes as `external`: a public connection's name or a `{ format, url }` mapping. */
export type ExternalConnectionSpec = string | { format: string; url: string };

/** The settings a created or updated repository is written with; absent fields are left out (or as they are). */
export interface RepositorySettings {
  description?: string;
  upstreams?: string[];
}

export type RepositoryEdit =
  | { kind: 'associate'; repository: string; externalConnection: ExternalConnectionSpec }
  | { kind: 'disassociate'; repository: string }
  | { kind: 'create'; repository: string; settings: RepositorySettings; externalConnection?: ExternalConnectionSpec }
  | { kind: 'update'; repository: string; settings: RepositorySettings }
  | { kind: 'delete'; repository: string };

const OPERATION = 'config.edit';

/** Loads the config again from its source, with the same command-line overrides. */
export function reloadConfig(source: ConfigSource): Promise<LarderConfig> {
  return loadConfig({
    ...(source.file === undefined ? {} : { file: source.file }),
    ...(source.overrides === undefined ? {} : { overrides: source.overrides }),
    ...(source.env === undefined ? {} : { env: source.env }),
    ...(source.cwd === undefined ? {} : { cwd: source.cwd }),
  });
}

/**
 * Applies `edit` to the config file, validates the result (throwing E_CONFIG_INVALID with every
 * problem, the file untouched), writes it atomically and returns the config it now describes.
 */
export async function editConfigFile(source: ConfigSource, edit: RepositoryEdit): Promise<LarderConfig> {
  if (source.file === undefined) {
    throw new LarderError('E_CONFLICT', 'larder runs on its embedded default config, which cannot be edited; start it with --config FILE to manage repositories', {
      operation: OPERATION,
    });
  }
  const cwd = source.cwd ?? process.cwd();
  const path = resolve(cwd, source.file);
  const original = await readFile(path, 'utf8');
  const document = parseDocument(original, { uniqueKeys: true, strict: true });
  if (document.errors.length > 0) {
    // The loader reports syntax errors by line; run it for the message.
    parseConfigText(original, path);
  }
  applyEdit(document, edit, path);
  // Flow lists stay `[a, b]` as people write them, not yaml's default `[ a, b ]`.
  const text = document.toString({ flowCollectionPadding: false });
  const env = source.env ?? process.env;
  const validated = validateConfig(parseConfigText(text, path), { source: path, baseDir: dirname(path), env, cwd });
  const config = source.overrides === undefined ? validated : applyOverrides(validated, source.overrides, { env, cwd });
  await writeAtomically(path, text);
  return config;
}

function applyEdit(document: Document, edit: RepositoryEdit, path: string): void {
  const repositories = document.get('repositories', true);
  if (!isMap(repositories)) {
    throw new LarderError('E_CONFLICT', `${path} has no repositories section (the embedded default's repositories apply); copy them into the file to edit them`, {
      operation: OPERATION,
    });
  }
  const exists = document.hasIn(['repositories', edit.repository]);
  if (edit.kind === 'create') {
    if (exists) throw new LarderError('E_CONFLICT', `a repository named "${edit.repository}" already exists in ${path}`, { operation: OPERATION });
    const entry: Record<string, unknown> = { ...settingsEntry(edit.settings) };
    if (edit.externalConnection !== undefined) entry.external = edit.externalConnection;
    // An empty repository is written as `{}`, which reads back as one with every default.
    document.setIn(['repositories', edit.repository], document.createNode(entry));
    return;
  }
  if (!exists) throw new LarderError('E_REPOSITORY_UNKNOWN', `no repository named "${edit.repository}" in ${path}`, { operation: OPERATION });
  switch (edit.kind) {
    case 'delete':
      refuseWhileUpstream(document, edit.repository, path);
      deleteRepository(document, repositories, edit.repository);
      return;
    case 'update':
      for (const [key, value] of Object.entries(settingsEntry(edit.settings))) {
        ensureMap(document, edit.repository);
        const at = ['repositories', edit.repository, key];
        document.setIn(at, replacementNode(document, document.getIn(at, true), value));
      }
      return;
    case 'associate':
    case 'disassociate':
      editConnection(document, edit);
  }
}

function settingsEntry(settings: RepositorySettings): Record<string, unknown> {
  return {
    ...(settings.description === undefined ? {} : { description: settings.description }),
    ...(settings.upstreams === undefined ? {} : { upstreams: settings.upstreams }),
  };
}

/** A new value in the old one's place: its comments, and the flow style of a list, carry over. */
function replacementNode(document: Document, old: unknown, value: unknown): unknown {
  const node = document.createNode(value);
  if (isNode(old)) Object.assign(node, { comment: old.comment, commentBefore: old.commentBefore });
  if (isCollection(old) && isCollection(node)) node.flow = old.flow;
  return node;
}

/**
 * yaml hangs the comment lines that follow an entry on its value: after `name:` (nothing set) the
 * first line is the entry's own and the rest belong to what follows; after a block of settings
 * they all do. Those must outlive the entry.
 */
function trailingComment(value: unknown): string | undefined {
  if (isScalar(value)) return value.comment?.includes('\n') ? value.comment.slice(value.comment.indexOf('\n') + 1) : undefined;
  return isCollection(value) && value.comment ? value.comment : undefined;
}

function deleteRepository(document: Document, repositories: YAMLMap, repository: string): void {
  const trailing = trailingComment(document.getIn(['repositories', repository], true));
  const index = repositories.items.findIndex((pair) => isScalar(pair.key) && pair.key.value === repository);
  document.deleteIn(['repositories', repository]);
  if (trailing === undefined) return;
  const next = repositories.items[index];
  if (next !== undefined && isNode(next.key)) next.key.commentBefore = [trailing, next.key.commentBefore].filter(Boolean).join('\n');
  else repositories.comment = [trailing, repositories.comment].filter(Boolean).join('\n');
}

/** A repository written as `name:` is a null scalar: setIn needs a map. Its comments move over. */
function ensureMap(document: Document, repository: string): void {
  const node: unknown = document.getIn(['repositories', repository], true);
  if (isMap(node)) return;
  const map = document.createNode({});
  if (isScalar(node)) Object.assign(map, { comment: node.comment, commentBefore: node.commentBefore });
  document.setIn(['repositories', repository], map);
}

/** Deleting a repository that others search would leave them pointing at nothing: say who. */
function refuseWhileUpstream(document: Document, repository: string, path: string): void {
  const doc: unknown = document.toJS();
  const sections = (doc as { repositories?: Record<string, { upstreams?: unknown } | null> }).repositories ?? {};
  const dependents = Object.entries(sections)
    .filter(([, section]) => Array.isArray(section?.upstreams) && section.upstreams.includes(repository))
    .map(([name]) => name);
  if (dependents.length > 0) {
    throw new LarderError('E_CONFLICT', `repository "${repository}" is an upstream of ${dependents.map((name) => `"${name}"`).join(', ')} in ${path}; remove it from their upstreams first`, {
      operation: OPERATION,
      details: { dependents },
    });
  }
}

function editConnection(document: Document, edit: Extract<RepositoryEdit, { kind: 'associate' | 'disassociate' }>): void {
  const key = ['repositories', edit.repository, 'external'];
  const current: unknown = document.getIn(key);
  const has = current !== undefined && current !== null;
  if (edit.kind === 'associate') {
    if (has) {
      throw new LarderError('E_CONFLICT', `repository "${edit.repository}" already has an external connection (at most one); disassociate it first`, { operation: OPERATION });
    }
    ensureMap(document, edit.repository);
    document.setIn(key, document.createNode(edit.externalConnection));
    return;
  }
  if (!has) {
    throw new LarderError('E_CONFLICT', `repository "${edit.repository}" has no external connection to disassociate`, { operation: OPERATION });
  }
  document.deleteIn(key);
}

/** Temp file beside the target (same filesystem, so rename is atomic), then rename over it. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // Keep the file's permissions: it may hold credentials in connection URLs.
    const { mode } = await stat(path);
    await writeFile(temp, text, { flag: 'wx', mode: mode & 0o777 });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new LarderError('E_STORE', `cannot write ${path}: ${(error as Error).message}`, { operation: OPERATION, cause: error });
  }
}
