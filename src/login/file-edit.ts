/**
 * The shape of a login plan — per file, its new text from its current text — and the helpers the
 * per-tool plans share for line-based files.
 */
import { applyChanges, type CommentStyle, type Insertion, type TextChanges } from './markers.js';
import { scanLines, type Dialect, type ScannedLine } from './ini.js';
import type { ToolName } from './tool-names.js';

export interface FileEdit {
  path: string;
  /** How login marks its lines in this file (logout reads the marks the same way). */
  comments: CommentStyle;
  /** The file's text after login, from its text before (undefined: absent). Pure. */
  apply(current: string | undefined): string;
}

export interface ToolPlan {
  tool: ToolName;
  edits: FileEdit[];
  /** What the user should know after login (how to publish, what to paste into a pom), for stdout. */
  notes: string[];
}

/** An edit of a line-based file: `decide` reads the scanned lines and says what to insert and comment out. */
export function lineFileEdit(
  tool: ToolName,
  path: string,
  comments: '#' | '//',
  dialect: Dialect,
  decide: (text: string, lines: ScannedLine[]) => TextChanges,
): FileEdit {
  return {
    path,
    comments,
    apply(current) {
      const text = current ?? '';
      return applyChanges(text, tool, comments, decide(text, scanLines(text, dialect)));
    },
  };
}

/** A block that goes just before line `index` (top-level settings must precede the first section). */
export function insertBeforeLine(lines: readonly ScannedLine[], index: number, body: readonly string[]): Insertion {
  const previous = lines[index - 1];
  return previous === undefined ? { at: 0, lines: body, before: true } : { at: previous.end, lines: body };
}
