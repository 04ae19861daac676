/**
 * Rows for people and for scripts: on a terminal, a header and columns aligned with two spaces;
 * otherwise one line per row, cells separated by tabs, no header (cut/awk-friendly).
 */
export interface TableOptions {
  header: readonly string[];
  tty: boolean;
}

/** Tabs and newlines inside a cell would break both layouts. */
function clean(cell: string): string {
  return cell.replace(/[\t\r\n]+/g, ' ');
}

export function renderTable(rows: ReadonlyArray<readonly string[]>, options: TableOptions): string {
  const cleaned = rows.map((row) => row.map(clean));
  if (!options.tty) return cleaned.map((row) => `${row.join('\t')}\n`).join('');
  const all = [options.header.map(clean), ...cleaned];
  const widths: number[] = [];
  for (const row of all) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  // The last cell is not padded, so lines carry no trailing spaces.
  return all.map((row) => `${row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  ')}\n`).join('');
}
