/**
 * Typed readers for one config value each. A reader reports a problem at the value's path and
 * returns the fallback, so validation goes on and every problem is found in one pass.
 * `null` (a key written with no value in YAML) counts as absent.
 */
import { childPath, checkKeys, isPlainObject, type ProblemList } from './problems.js';
import { describeType, parseDuration, parseSize } from './units.js';

export interface FieldContext {
  problems: ProblemList;
  path: string;
}

/** A mapping with only the allowed keys, or undefined (and a problem) when it is something else. */
export function readSection(
  value: unknown,
  allowed: readonly string[],
  ctx: FieldContext,
): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) {
    ctx.problems.add(ctx.path, `expected a mapping with keys ${allowed.join(', ')}, got ${describeType(value)}`);
    return undefined;
  }
  checkKeys(value, allowed, ctx.path, ctx.problems);
  return value;
}

/** The context of `key` inside a section. */
export function at(ctx: FieldContext, key: string | number): FieldContext {
  return { problems: ctx.problems, path: childPath(ctx.path, key) };
}

export function readString(value: unknown, fallback: string, ctx: FieldContext, options: { nonEmpty?: boolean } = {}): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') {
    ctx.problems.add(ctx.path, `expected a string, got ${describeType(value)}`);
    return fallback;
  }
  if (options.nonEmpty === true && value.trim() === '') {
    ctx.problems.add(ctx.path, 'must not be empty');
    return fallback;
  }
  return value;
}

export function readBoolean(value: unknown, fallback: boolean, ctx: FieldContext): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') {
    const hint = typeof value === 'string' ? ' (YAML 1.2 reads only true and false as booleans)' : '';
    ctx.problems.add(ctx.path, `expected true or false, got ${describeType(value)}${hint}`);
    return fallback;
  }
  return value;
}

export function readInteger(value: unknown, fallback: number, range: { min: number; max: number }, ctx: FieldContext): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    ctx.problems.add(ctx.path, `expected a whole number from ${range.min} to ${range.max}, got ${describeType(value)}`);
    return fallback;
  }
  if (value < range.min || value > range.max) {
    ctx.problems.add(ctx.path, `must be from ${range.min} to ${range.max}, got ${value}`);
    return fallback;
  }
  return value;
}

export function readEnum<T extends string>(value: unknown, allowed: readonly T[], fallback: T, ctx: FieldContext): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    ctx.problems.add(ctx.path, `expected one of ${allowed.join(', ')}, got ${describeType(value)}`);
    return fallback;
  }
  return value as T;
}

/** Longest delay a Node timer can hold (about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A duration in ms; `minMs`/`maxMs` bound it (timers need a positive value under MAX_TIMER_MS). */
export function readDuration(
  value: unknown,
  fallbackMs: number,
  ctx: FieldContext,
  bounds: { minMs?: number; maxMs?: number } = {},
): number {
  if (value === undefined || value === null) return fallbackMs;
  const parsed = parseDuration(value);
  if (!parsed.ok) {
    ctx.problems.add(ctx.path, parsed.message);
    return fallbackMs;
  }
  const { minMs = 0, maxMs = Number.MAX_SAFE_INTEGER } = bounds;
  if (parsed.value < minMs || parsed.value > maxMs) {
    const range = minMs > 0 ? `at least ${minMs} ms` : 'not negative';
    ctx.problems.add(ctx.path, `must be ${range} and at most ${maxMs} ms, got ${parsed.value} ms`);
    return fallbackMs;
  }
  return parsed.value;
}

export function readSize(value: unknown, fallback: number, ctx: FieldContext, bounds: { min: number; max: number }): number {
  if (value === undefined || value === null) return fallback;
  const parsed = parseSize(value);
  if (!parsed.ok) {
    ctx.problems.add(ctx.path, parsed.message);
    return fallback;
  }
  if (parsed.value < bounds.min || parsed.value > bounds.max) {
    ctx.problems.add(ctx.path, `must be from ${bounds.min} to ${bounds.max} bytes, got ${parsed.value}`);
    return fallback;
  }
  return parsed.value;
}
