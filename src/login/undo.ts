/**
 * Undoing one login record on a file's current text, as a pure function. The file as login left
 * it gets its old content back byte for byte (or is deleted when login made it); a file the user
 * changed since keeps the change, and only login's marked blocks come out and the settings login
 * commented out come back; a file without login's marks is left alone.
 */
import { removeLoginChanges } from './markers.js';
import type { LoginRecord } from './records.js';

export type UndoKind =
  /** Unchanged since login: the content before login is back. */
  | 'restored'
  /** Unchanged since login, which made it: deleted. */
  | 'deleted'
  /** Changed since login: login's blocks taken out, the rest kept. */
  | 'cleaned'
  /** Changed since login and no mark of login left in it: left as it is. */
  | 'marks-gone'
  /** The file is gone: nothing to undo. */
  | 'file-gone';

export interface Undo {
  kind: UndoKind;
  /** The file's content after the undo (undefined: absent). */
  content: string | undefined;
}

export function undoRecord(record: LoginRecord, current: string | undefined): Undo {
  if (current === record.after) return record.before === null ? { kind: 'deleted', content: undefined } : { kind: 'restored', content: record.before };
  if (current === undefined) return { kind: 'file-gone', content: undefined };
  const removal = removeLoginChanges(current, record.tool, record.comments);
  if (removal.blocks === 0 && removal.restored === 0) return { kind: 'marks-gone', content: current };
  // A file login made that holds nothing else once login's lines are out goes away with them.
  if (record.before === null && removal.text === '') return { kind: 'deleted', content: undefined };
  return { kind: 'cleaned', content: removal.text };
}
