/**
 * login and logout against the disk: read the files a plan or the records name, work out every
 * new content in memory first (so a dry run is the same computation with the writes left out),
 * then write the record and the files, each atomically.
 */
import { stat } from 'node:fs/promises';
import type { ToolPlan } from './file-edit.js';
import { readTextFile, storeTextFile, type TextFile } from './files.js';
import { forgetNpmRegistry, savedNpmRegistryPath } from './npm-registry-memory.js';
import { readRecords, writeRecords, type LoginRecord } from './records.js';
import { NPM_FAMILY, type ToolName } from './tool-names.js';
import { undoRecord, type UndoKind } from './undo.js';

export interface FileStep {
  tool: ToolName;
  path: string;
  /** `write`: login's edit; the rest: how a record was undone. */
  action: 'write' | UndoKind;
  /** The file's content before and after this step (undefined: absent). */
  before: string | undefined;
  after: string | undefined;
}

/** The files touched, read once, with their contents as the steps so far leave them. */
class Workspace {
  private readonly files = new Map<string, TextFile>();
  private readonly contents = new Map<string, string | undefined>();

  async current(path: string): Promise<string | undefined> {
    if (!this.files.has(path)) {
      const file = await readTextFile(path);
      this.files.set(path, file);
      this.contents.set(path, file.content);
    }
    return this.contents.get(path);
  }

  set(path: string, content: string | undefined): void {
    this.contents.set(path, content);
  }

  /** Writes every file whose content changed, in the order first touched. */
  async commit(): Promise<void> {
    for (const [path, file] of this.files) await storeTextFile(file, this.contents.get(path));
  }
}

/** Undoes `records` (newest first, so files written by several logins unwind in order). */
async function undoAll(records: readonly LoginRecord[], workspace: Workspace): Promise<FileStep[]> {
  const steps: FileStep[] = [];
  for (const record of [...records].reverse()) {
    const before = await workspace.current(record.path);
    const undo = undoRecord(record, before);
    workspace.set(record.path, undo.content);
    steps.push({ tool: record.tool, path: record.path, action: undo.kind, before, after: undo.content });
  }
  return steps;
}

export interface ApplyOptions {
  dryRun: boolean;
  now?: Date;
}

/**
 * Carries out `plan`: first undoes the previous login of the same tool (so records never stack
 * and `before` is the user's own content), then applies each edit. The record is written before
 * the files: a crash in between leaves files logout recognises as "marks gone", never a file
 * logout cannot find the record of.
 */
export async function applyLogin(plan: ToolPlan, dataDir: string, options: ApplyOptions): Promise<FileStep[]> {
  const records = await readRecords(dataDir);
  const workspace = new Workspace();
  const steps = await undoAll(
    records.filter((record) => record.tool === plan.tool),
    workspace,
  );
  const written: LoginRecord[] = [];
  const writtenAt = (options.now ?? new Date()).toISOString();
  for (const edit of plan.edits) {
    const before = await workspace.current(edit.path);
    const after = edit.apply(before);
    workspace.set(edit.path, after);
    written.push({ tool: plan.tool, path: edit.path, comments: edit.comments, before: before ?? null, after, writtenAt });
    steps.push({ tool: plan.tool, path: edit.path, action: 'write', before, after });
  }
  if (options.dryRun) return steps;
  await writeRecords(dataDir, [...records.filter((record) => record.tool !== plan.tool), ...written]);
  await workspace.commit();
  return steps;
}

export interface LogoutResult {
  steps: FileStep[];
  /** The tools whose records were undone and dropped. */
  tools: ToolName[];
  /** The remembered npm registry was (or, in a dry run, would be) deleted: no npm-family login remains. */
  forgotNpmRegistry: boolean;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
}

/** Undoes the records of `tool` (every tool when undefined) and drops them. */
export async function applyLogout(dataDir: string, tool: ToolName | undefined, options: ApplyOptions): Promise<LogoutResult> {
  const records = await readRecords(dataDir);
  const chosen = records.filter((record) => tool === undefined || record.tool === tool);
  const remaining = records.filter((record) => !chosen.includes(record));
  const workspace = new Workspace();
  const steps = await undoAll(chosen, workspace);
  const forgetRegistry = !remaining.some((record) => NPM_FAMILY.has(record.tool)) && (await exists(savedNpmRegistryPath(dataDir)));
  if (!options.dryRun) {
    await workspace.commit();
    if (chosen.length > 0) await writeRecords(dataDir, remaining);
    if (forgetRegistry) await forgetNpmRegistry(dataDir);
  }
  return { steps, tools: [...new Set(chosen.map((record) => record.tool))], forgotNpmRegistry: forgetRegistry };
}
