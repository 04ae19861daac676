/**
 * Login plans for Python clients. pip reads `[global] index-url` from pip.conf (configparser:
 * one value per option and section, so an existing one is commented out, never duplicated); uv
 * reads `[[index]]` tables from uv.toml; twine reads the servers listed in .pypirc's
 * `[distutils] index-servers`.
 */
import { hostName, isHttp, isLoopbackHost, LOGIN_USER, pypiIndexUrl, pypiIndexUrlWithToken, pypiUploadUrl, type LoginTarget } from './endpoints.js';
import { CONFIGPARSER, entrySpan, findEntries, findSection, TOML, type ScannedLine } from './ini.js';
import { appendBlock, type Disabling, type Insertion } from './markers.js';
import type { UserConfigPaths } from './paths.js';
import { lineFileEdit, type ToolPlan } from './file-edit.js';

/** configparser's value of an entry (continuation lines included), split on whitespace. */
function listValue(text: string, lines: readonly ScannedLine[], index: number): string[] {
  const span = entrySpan(lines, index);
  const entry = text.slice(span.start, span.end);
  const value = entry.slice(entry.search(/[=:]/) + 1);
  return value
    .split(/\r?\n/)
    .filter((line) => !/^\s*[#;]/.test(line))
    .join(' ')
    .split(/\s+/)
    .filter((item) => item !== '');
}

/** pip spells options with `-` or `_`, in any case. */
function pipOption(key: string): string {
  return key.toLowerCase().replace(/_/g, '-');
}

export function pipPlan(target: LoginTarget, paths: UserConfigPaths): ToolPlan {
  const host = hostName(target);
  const trust = isHttp(target) && !isLoopbackHost(host);
  const edit = lineFileEdit('pip', paths.pipConf, '#', CONFIGPARSER, (text, lines) => {
    // index-url in any section: an `[install]` one would otherwise win over `[global]`.
    const indexes = findEntries(lines, (line) => pipOption(line.key) === 'index-url');
    const trusted = trust ? findEntries(lines, (line) => line.section === '[global]' && pipOption(line.key) === 'trusted-host') : [];
    const body = [`index-url = ${pypiIndexUrlWithToken(target)}`];
    if (trust) {
      const hosts = new Set(trusted.flatMap((index) => listValue(text, lines, index)));
      hosts.add(host);
      body.push(`trusted-host = ${[...hosts].join(' ')}`);
    }
    const disablings: Disabling[] = [...indexes, ...trusted].map((index) => entrySpan(lines, index));
    const global = findSection(lines, '[global]');
    const insertion: Insertion = global === undefined ? appendBlock(text, ['[global]', ...body]) : { at: global.end, lines: body };
    return { insertions: [insertion], disablings };
  });
  return { tool: 'pip', edits: [edit], notes: [`pip installs through ${pypiIndexUrl(target)} now.`] };
}

export function uvPlan(target: LoginTarget, paths: UserConfigPaths): ToolPlan {
  const edit = lineFileEdit('uv', paths.uvToml, '#', TOML, (text, lines) => {
    // A top-level (or [pip]) index-url, or another default index, would compete with larder's.
    const disablings = findEntries(
      lines,
      (line) =>
        (line.key === 'index-url' && (line.section === undefined || line.section === '[pip]')) ||
        (line.key === 'default' && line.section === '[[index]]' && /=\s*true\b/.test(line.text)),
    ).map((index) => entrySpan(lines, index));
    const body = ['[[index]]', 'name = "larder"', `url = ${JSON.stringify(pypiIndexUrlWithToken(target))}`, 'default = true'];
    return { insertions: [appendBlock(text, body)], disablings };
  });
  return { tool: 'uv', edits: [edit], notes: [`uv resolves through ${pypiIndexUrl(target)} now.`] };
}

/** The lines of section `header` (its header included) up to the next section. */
function sectionSpan(lines: readonly ScannedLine[], header: ScannedLine): Disabling {
  const first = lines.indexOf(header);
  let last = header;
  for (const line of lines.slice(first + 1)) {
    if (line.kind === 'section' || line.ours) break;
    last = line;
  }
  return { start: header.start, end: last.end };
}

export function twinePlan(target: LoginTarget, paths: UserConfigPaths): ToolPlan {
  const upload = pypiUploadUrl(target);
  const edit = lineFileEdit('twine', paths.pypirc, '#', CONFIGPARSER, (text, lines) => {
    const distutils = findSection(lines, '[distutils]');
    const listed = findEntries(lines, (line) => line.section === '[distutils]' && line.key === 'index-servers');
    // Without index-servers, twine still knows a [pypi] section: keep it reachable.
    const servers = listed.length > 0 ? listed.flatMap((index) => listValue(text, lines, index)) : findSection(lines, '[pypi]') === undefined ? [] : ['pypi'];
    const serverLines = ['index-servers =', ...[...new Set([...servers.filter((name) => name !== 'larder'), 'larder'])].map((name) => `    ${name}`)];
    const disablings = listed.map((index) => entrySpan(lines, index));
    // configparser refuses a second [larder]: an old one is commented out whole.
    const oldLarder = findSection(lines, '[larder]');
    if (oldLarder !== undefined) disablings.push(sectionSpan(lines, oldLarder));
    const section = ['[larder]', `repository = ${upload}`, `username = ${LOGIN_USER}`, `password = ${target.token}`];
    const insertions: Insertion[] =
      distutils === undefined
        ? [appendBlock(text, ['[distutils]', ...serverLines, '', ...section])]
        : [{ at: distutils.end, lines: serverLines }, appendBlock(text, section)];
    return { insertions, disablings };
  });
  return { tool: 'twine', edits: [edit], notes: [`twine uploads to ${upload} with: twine upload -r larder dist/*`] };
}
