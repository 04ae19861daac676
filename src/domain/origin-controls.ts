/**
 * Package origin controls (issue 9 §2), as the hosted services have them: per package in a
 * repository, whether versions may be published there (`publish`) and whether they may come from
 * a public registry through an external connection (`upstream`). A package a repository has
 * published is blocked from upstream by default, so a public package of the same name (the
 * dependency-confusion attack) never mixes into it; a rule can say otherwise. Pure.
 */
import type { Format } from './types.js';

export const ORIGIN_CONTROLS = ['allow', 'block'] as const;
export type OriginControl = (typeof ORIGIN_CONTROLS)[number];

/** One `packages:` entry of a repository; the first entry that matches a package decides. */
export interface PackageRule {
  /** A package name, or a pattern with `*` (any run of characters) and `?` (one character). */
  match: string;
  /** Only packages of this format; absent: any format. */
  format?: Format;
  publish?: OriginControl;
  upstream?: OriginControl;
}

export interface OriginControls {
  publish: OriginControl;
  upstream: OriginControl;
  /** Why `upstream` is what it is, for messages. */
  upstreamBecause: 'rule' | 'published here' | 'default';
}

const compiled = new Map<string, RegExp>();

function patternRegExp(pattern: string): RegExp {
  let regexp = compiled.get(pattern);
  if (regexp === undefined) {
    const body = [...pattern].map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
    // Package names compare case-insensitively: PyPI's are, and npm's are lower case anyway.
    regexp = new RegExp(`^${body}$`, 'i');
    if (compiled.size > 1_000) compiled.clear();
    compiled.set(pattern, regexp);
  }
  return regexp;
}

export function matchesPackage(pattern: string, pkg: string): boolean {
  return patternRegExp(pattern).test(pkg);
}

/**
 * PyPI treats runs of `-`, `_` and `.` as one `-` (PEP 503), and larder keys PyPI packages by that
 * form: a rule for `My_Tool` must match `my-tool`, so both sides are compared in it.
 */
function comparable(format: Format, name: string): string {
  return format === 'pypi' ? name.replace(/[-_.]+/g, '-') : name;
}

export function ruleFor(rules: readonly PackageRule[], format: Format, pkg: string): PackageRule | undefined {
  return rules.find((rule) => (rule.format === undefined || rule.format === format) && matchesPackage(comparable(format, rule.match), comparable(format, pkg)));
}

/** The controls for `pkg` in a repository with `rules`; `publishedHere` when it has published versions of it. */
export function originControls(rules: readonly PackageRule[], format: Format, pkg: string, publishedHere: boolean): OriginControls {
  const rule = ruleFor(rules, format, pkg);
  const publish = rule?.publish ?? 'allow';
  if (rule?.upstream !== undefined) return { publish, upstream: rule.upstream, upstreamBecause: 'rule' };
  return publishedHere ? { publish, upstream: 'block', upstreamBecause: 'published here' } : { publish, upstream: 'allow', upstreamBecause: 'default' };
}
