/**
 * Durations and sizes as people write them in a config file. A bare number is seconds (for a
 * duration) or bytes (for a size); a string carries its unit. Parsers return a message instead
 * of throwing so the validator can collect every problem in one pass.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
};

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(b|kib|mib|gib|kb|mb|gb)$/i;

const DURATION_HINT = 'a number of seconds or a string such as "500ms", "40s", "10m", "3h", "1d"';
const SIZE_HINT = 'a number of bytes or a string such as "512KiB", "64MiB", "1GiB"';

/** Parses a duration into whole milliseconds. */
export function parseDuration(value: unknown): Parsed<number> {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return { ok: false, message: `expected ${DURATION_HINT}, got ${value}` };
    return { ok: true, value: Math.round(value * 1000) };
  }
  if (typeof value === 'string') {
    const match = DURATION_PATTERN.exec(value.trim());
    const unit = match?.[2] === undefined ? undefined : DURATION_UNITS_MS[match[2]];
    if (match?.[1] !== undefined && unit !== undefined) return { ok: true, value: Math.round(Number(match[1]) * unit) };
    return { ok: false, message: `expected ${DURATION_HINT}, got ${JSON.stringify(value)}` };
  }
  return { ok: false, message: `expected ${DURATION_HINT}, got ${describeType(value)}` };
}

/** Parses a size into whole bytes. */
export function parseSize(value: unknown): Parsed<number> {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) return { ok: false, message: `expected ${SIZE_HINT}, got ${value}` };
    return { ok: true, value };
  }
  if (typeof value === 'string') {
    const match = SIZE_PATTERN.exec(value.trim());
    const unit = match?.[2] === undefined ? undefined : SIZE_UNITS[match[2].toLowerCase()];
    if (match?.[1] !== undefined && unit !== undefined) return { ok: true, value: Math.floor(Number(match[1]) * unit) };
    return { ok: false, message: `expected ${SIZE_HINT}, got ${JSON.stringify(value)}` };
  }
  return { ok: false, message: `expected ${SIZE_HINT}, got ${describeType(value)}` };
}

/** The shortest exact spelling of a duration: 600000 → "10m", 1500 → "1500ms". */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = DURATION_UNITS_MS[unit] ?? 1;
    if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** The shortest exact binary spelling of a size: 67108864 → "64MiB", 1000 → "1000B". */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes !== 0 && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}

/** "a string", "a list", "null"… for messages about a value of the wrong type. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}
