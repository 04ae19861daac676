/**
 * A repository's `publish` switch and its `packages:` origin rules (issue 9 §2):
 *
 *   team:
 *     publish: true
 *     packages:
 *       - match: "@acme/*"        # a name, or a pattern with * and ?
 *         upstream: block         # never from a public registry
 *       - match: left-pad
 *         format: npm
 *         publish: block          # never published here
 */
import { ORIGIN_CONTROLS, type OriginControl, type PackageRule } from '../domain/origin-controls.js';
import { FORMATS, type Format } from '../domain/types.js';
import { at, readEnum, readSection, type FieldContext } from './fields.js';
import { describeType } from './units.js';

const RULE_KEYS = ['match', 'format', 'publish', 'upstream'] as const;
/** Enough for any real team; a longer list is more likely a generated mistake. */
const MAX_RULES = 1_000;

export function readPackageRules(value: unknown, ctx: FieldContext): PackageRule[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    ctx.problems.add(ctx.path, `expected a list of rules such as [{ match: "@acme/*", upstream: block }], got ${describeType(value)}`);
    return [];
  }
  if (value.length > MAX_RULES) ctx.problems.add(ctx.path, `at most ${MAX_RULES} package rules, got ${value.length}; use patterns with *`);
  const rules: PackageRule[] = [];
  value.forEach((raw: unknown, index) => {
    const rule = readRule(raw, at(ctx, index));
    if (rule !== undefined) rules.push(rule);
  });
  return rules;
}

function readRule(raw: unknown, ctx: FieldContext): PackageRule | undefined {
  const section = readSection(raw, RULE_KEYS, ctx);
  if (section === undefined) return undefined;
  const match = section.match;
  if (typeof match !== 'string' || match.trim() === '' || match.length > 214) {
    ctx.problems.add(at(ctx, 'match').path, 'required: a package name or a pattern with * and ? (at most 214 characters)');
    return undefined;
  }
  const format = section.format === undefined ? undefined : readEnum<Format | 'none'>(section.format, FORMATS, 'none', at(ctx, 'format'));
  const publish = readControl(section.publish, at(ctx, 'publish'));
  const upstream = readControl(section.upstream, at(ctx, 'upstream'));
  if (publish === undefined && upstream === undefined) {
    // A misspelt control was reported at its own path already: one mistake, one problem.
    const given = (value: unknown): boolean => value !== undefined && value !== null;
    if (!given(section.publish) && !given(section.upstream)) ctx.problems.add(ctx.path, 'a rule says publish: allow|block, upstream: allow|block, or both');
    return undefined;
  }
  if (format === 'none') return undefined;
  return {
    match: match.trim(),
    ...(format === undefined ? {} : { format }),
    ...(publish === undefined ? {} : { publish }),
    ...(upstream === undefined ? {} : { upstream }),
  };
}

function readControl(value: unknown, ctx: FieldContext): OriginControl | undefined {
  if (value === undefined || value === null) return undefined;
  const control = readEnum<OriginControl | 'none'>(value, ORIGIN_CONTROLS, 'none', ctx);
  return control === 'none' ? undefined : control;
}
