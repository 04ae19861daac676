/**
 * The validator's toolkit: a list that collects every problem with its path (so one run reports
 * everything that is wrong, as fastify's initial-config validation does), path spelling, and
 * "did you mean" suggestions for misspelt keys.
 */
import { LarderError } from '../errors.js';

export interface ConfigProblem {
  /** Where the problem is, e.g. `repositories.default.upstreams[2]` or `--port`. */
  path: string;
  message: string;
}

/** The path of the document itself, for problems that are about the whole file. */
export const ROOT_PATH = '(top level)';

export class ProblemList {
  readonly problems: ConfigProblem[] = [];

  add(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  get empty(): boolean {
    return this.problems.length === 0;
  }

  /** Throws E_CONFIG_INVALID carrying every problem when there is at least one. */
  throwIfAny(source: string, operation = 'config.validate'): void {
    if (this.empty) return;
    throw configInvalid(source, this.problems, operation);
  }
}

export function configInvalid(source: string, problems: readonly ConfigProblem[], operation = 'config.validate'): LarderError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const lines = problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
  return new LarderError('E_CONFIG_INVALID', `invalid configuration (${source}): ${count}\n${lines}`, {
    operation,
    details: { source, problems: problems.map((p) => ({ ...p })) },
  });
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `parent.key`, or `parent["odd.key"]` when the key would make the path ambiguous. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const part = PLAIN_KEY.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (parent === '' || parent === ROOT_PATH) return part.startsWith('[') ? `${ROOT_PATH}${part}` : part;
  return part.startsWith('[') ? `${parent}${part}` : `${parent}.${part}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The closest candidate to `input`, when it is close enough to be a plausible typo. */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  const squash = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = squash(input) === squash(candidate) ? 0 : editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { candidate, distance };
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(input.length, best.candidate.length) / 3));
  return best.distance <= allowed ? best.candidate : undefined;
}

/** " (did you mean `x`?)" or "". */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = suggest(input, candidates);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}

/** Reports every key of `value` that is not in `allowed`. */
export function checkKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  problems: ProblemList,
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const known = allowed.map((k) => `"${k}"`).join(', ');
      problems.add(childPath(path, key), `unknown key${didYouMean(key, allowed)}; known keys here: ${known}`);
    }
  }
}

/** Edit distance counting a swap of two neighbours as one edit (typos swap letters often). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const cell = (i: number, j: number): number => rows[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(cell(i - 1, j) + 1, cell(i, j - 1) + 1, cell(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, cell(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return cell(a.length, b.length);
}
