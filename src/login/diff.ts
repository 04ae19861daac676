/**
 * A short line diff for `--dry-run`: the lines a step would remove (`-`) and add (`+`), each run
 * of changes headed by its line number, unchanged lines left out.
 */

/** Past this many lines on each side the LCS table gets big: the new text is shown whole instead. */
const MAX_LINES = 3000;

function splitLines(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  if (text.endsWith('\n')) lines.pop();
  return lines;
}

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Longest-common-subsequence diff of the middle part (common head and tail are trimmed first). */
function diffOps(before: string[], after: string[]): Op[] {
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head += 1;
  let tail = 0;
  while (tail < before.length - head && tail < after.length - head && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail += 1;
  const a = before.slice(head, before.length - tail);
  const b = after.slice(head, after.length - tail);
  const table: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const ops: Op[] = before.slice(0, head).map((line) => ({ kind: ' ', line }));
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]! });
      i += 1;
      j += 1;
    } else if (i < a.length && (j === b.length || table[i + 1]![j]! >= table[i]![j + 1]!)) {
      ops.push({ kind: '-', line: a[i]! });
      i += 1;
    } else {
      ops.push({ kind: '+', line: b[j]! });
      j += 1;
    }
  }
  return [...ops, ...before.slice(before.length - tail).map((line): Op => ({ kind: ' ', line }))];
}

/** The changed lines of `before` → `after`, indented by `indent`; empty when nothing changes. */
export function lineDiff(before: string | undefined, after: string | undefined, indent = '    '): string[] {
  const a = splitLines(before);
  const b = splitLines(after);
  if (a.length > MAX_LINES || b.length > MAX_LINES) return b.map((line) => `${indent}${line}`);
  const shown: string[] = [];
  let lineNumber = 0;
  let inHunk = false;
  for (const op of diffOps(a, b)) {
    if (op.kind !== '-') lineNumber += 1;
    if (op.kind === ' ') {
      inHunk = false;
      continue;
    }
    if (!inHunk) shown.push(`${indent}@@ line ${op.kind === '+' ? lineNumber : lineNumber + 1}`);
    inHunk = true;
    shown.push(`${indent}${op.kind} ${op.line}`);
  }
  return shown;
}
