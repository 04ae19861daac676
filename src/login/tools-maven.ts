/**
 * The login plan for Maven: in ~/.m2/settings.xml a `<mirror>` of everything (`*`) at larder and
 * a `<server>` with the token, both with id `larder`. Maven refuses a second `<mirrors>` or
 * `<servers>`, so they go into the existing elements; other mirrors are commented out, since a
 * mirror of one repository id wins over `*` and would take requests past larder.
 */
import { LarderError } from '../errors.js';
import { LOGIN_USER, mavenRepositoryUrl, type LoginTarget } from './endpoints.js';
import { applyChanges, type Disabling, type Insertion } from './markers.js';
import type { UserConfigPaths } from './paths.js';
import type { FileEdit, ToolPlan } from './file-edit.js';
import { endOfLineBefore, findElements, findEndTag, findLastEndTag, findStartTag, indentUnit, lineIndent, maskMarkup, xmlEscape } from './xml.js';

/** What a missing settings.xml (or an empty one) starts as: Maven's own root element, nothing in it. */
export const SETTINGS_SKELETON = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<settings xmlns="http://maven.apache.org/SETTINGS/1.2.0"',
  '          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
  '          xsi:schemaLocation="http://maven.apache.org/SETTINGS/1.2.0 https://maven.apache.org/xsd/settings-1.2.0.xsd">',
  '</settings>',
  '',
].join('\n');

function nested(unit: string, lines: readonly string[]): string[] {
  return lines.map((line) => `${unit}${line}`);
}

function mirrorLines(target: LoginTarget, unit: string): string[] {
  return [
    '<mirror>',
    ...nested(unit, ['<id>larder</id>', '<name>larder (written by larder login)</name>', '<mirrorOf>*</mirrorOf>', `<url>${xmlEscape(mavenRepositoryUrl(target))}</url>`]),
    '</mirror>',
  ];
}

function serverLines(target: LoginTarget, unit: string): string[] {
  return ['<server>', ...nested(unit, ['<id>larder</id>', `<username>${LOGIN_USER}</username>`, `<password>${xmlEscape(target.token)}</password>`]), '</server>'];
}

/** Ranges of the blocks any `larder login` wrote: their elements are not the user's. */
function loginBlocks(text: string): Disabling[] {
  return [...text.matchAll(/<!-- larder login: begin [\s\S]*?<!-- larder login: end [^>]*-->/g)].map((match) => ({ start: match.index, end: match.index + match[0].length }));
}

function insideAny(ranges: readonly Disabling[], at: number): boolean {
  return ranges.some((range) => at >= range.start && at < range.end);
}

/** Edits `text` (a settings.xml with a root element) for login. `path` names the file in errors. */
export function editSettings(text: string, target: LoginTarget, path: string): string {
  const masked = maskMarkup(text);
  const unit = indentUnit(text);
  const root = findStartTag(masked, 'settings', 0, masked.length);
  const rootEnd = root === undefined || root.selfClosing ? undefined : findLastEndTag(masked, 'settings');
  if (root === undefined || (!root.selfClosing && (rootEnd === undefined || rootEnd.start < root.end))) {
    throw new LarderError('E_USAGE', `cannot add larder to ${path}: it has no <settings> element; fix the file (or move it away) and run larder login again`, {
      operation: 'login.maven',
      details: { path },
    });
  }
  const ours = loginBlocks(text);
  const insertions: Insertion[] = [];
  const disablings: Disabling[] = [];
  const childIndent = lineIndent(text, root.start) + unit;

  if (root.selfClosing || rootEnd === undefined) {
    // `<settings/>` has no inside to add to: it is switched off and a whole element takes its place.
    disablings.push({ start: root.start, end: root.end });
    const whole = SETTINGS_SKELETON.split('\n').slice(1, 4);
    const inner = [...nested(unit, ['<mirrors>', ...nested(unit, mirrorLines(target, unit)), '</mirrors>', '<servers>', ...nested(unit, serverLines(target, unit)), '</servers>'])];
    insertions.push({ at: root.end, lines: [...whole, ...inner, '</settings>'] });
    return applyChanges(text, 'maven', 'xml', { insertions, disablings });
  }

  const missing: string[] = [];
  for (const [container, element, lines, wanted] of [
    ['mirrors', 'mirror', mirrorLines(target, unit), () => true],
    ['servers', 'server', serverLines(target, unit), (span: string) => /<id>\s*larder\s*<\/id>/.test(span)],
  ] as const) {
    const open = findStartTag(masked, container, root.end, rootEnd.start);
    const close = open === undefined || open.selfClosing ? undefined : findEndTag(masked, container, open.end, rootEnd.start);
    if (open === undefined || close === undefined) {
      // An empty `<mirrors/>` is switched off and a full element added with the missing ones.
      if (open !== undefined) disablings.push({ start: open.start, end: open.end });
      missing.push(`<${container}>`, ...nested(unit, lines), `</${container}>`);
      continue;
    }
    for (const span of findElements(masked, element, open.end, close.start)) {
      if (!insideAny(ours, span.start) && wanted(masked.slice(span.start, span.end))) disablings.push(span);
    }
    insertions.push({ at: open.end, lines, indent: lineIndent(text, open.start) + unit });
  }
  if (missing.length > 0) insertions.push({ at: endOfLineBefore(text, rootEnd.start), lines: missing, indent: childIndent });
  return applyChanges(text, 'maven', 'xml', { insertions, disablings });
}

export function mavenPlan(target: LoginTarget, paths: UserConfigPaths): ToolPlan {
  const edit: FileEdit = {
    path: paths.mavenSettings,
    comments: 'xml',
    apply: (current) => editSettings(current === undefined || current.trim() === '' ? SETTINGS_SKELETON : current, target, paths.mavenSettings),
  };
  const url = xmlEscape(mavenRepositoryUrl(target));
  return {
    tool: 'maven',
    edits: [edit],
    notes: [
      `Maven resolves everything through ${mavenRepositoryUrl(target)} now. To \`mvn deploy\` there, add to the pom:`,
      [
        '<distributionManagement>',
        '  <repository>',
        '    <id>larder</id>',
        `    <url>${url}</url>`,
        '  </repository>',
        '  <snapshotRepository>',
        '    <id>larder</id>',
        `    <url>${url}</url>`,
        '  </snapshotRepository>',
        '</distributionManagement>',
      ].join('\n'),
    ],
  };
}
