/**
 * Login plans for the npm family. npm and pnpm read the user npmrc: `registry=` and the token
 * under npm's credential key for the registry. yarn berry reads ~/.yarnrc.yml; yarn classic reads
 * its registry from ~/.yarnrc and its token from the npmrc.
 */
import { parse } from 'yaml';
import { hostName, isHttp, npmNerfDart, npmRegistryUrl, type LoginTarget } from './endpoints.js';
import { entrySpan, findEntries, NPMRC, YARNRC, YAML_TOP, type ScannedLine } from './ini.js';
import { appendBlock, type Disabling, type Insertion } from './markers.js';
import type { UserConfigPaths } from './paths.js';
import { insertBeforeLine, lineFileEdit, type FileEdit, type ToolPlan } from './file-edit.js';
import type { ToolName } from './tool-names.js';

/** The npmrc lines for `settings`, top-level (before any `[section]`), with earlier values of the same keys commented out. */
function npmrcEdit(tool: ToolName, path: string, settings: ReadonlyArray<readonly [string, string]>): FileEdit {
  const keys = new Set(settings.map(([key]) => key));
  const body = settings.map(([key, value]) => `${key}=${value}`);
  return lineFileEdit(tool, path, '#', NPMRC, (text, lines) => {
    // npm's ini takes the last duplicate, but a reader of the file should see only one live value.
    const disablings = findEntries(lines, (line) => line.section === undefined && keys.has(line.key)).map((index) => entrySpan(lines, index));
    const firstSection = lines.findIndex((line) => line.kind === 'section');
    const insertion = firstSection === -1 ? appendBlock(text, body) : insertBeforeLine(lines, firstSection, body);
    return { insertions: [insertion], disablings };
  });
}

export function npmPlan(tool: 'npm' | 'pnpm', target: LoginTarget, paths: UserConfigPaths): ToolPlan {
  const registry = npmRegistryUrl(target);
  return {
    tool,
    edits: [
      npmrcEdit(tool, paths.npmrc, [
        ['registry', registry],
        [`${npmNerfDart(target)}:_authToken`, target.token],
      ]),
    ],
    notes: [`${tool} installs through ${registry} now; \`${tool} publish\` publishes there when the repository accepts publishes.`],
  };
}

/** The values a top-level YAML list setting holds now (empty when it holds none or cannot be read). */
function yamlList(text: string): string[] {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    // An unreadable old value is commented out all the same; only its entries are not carried over.
    void error;
    return [];
  }
  const list = typeof value === 'object' && value !== null ? Object.values(value)[0] : undefined;
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
}

function yarnrcYmlEdit(target: LoginTarget, path: string): FileEdit {
  // Berry joins the registry and the package name with a `/` of its own.
  const registry = npmRegistryUrl(target).replace(/\/$/, '');
  return lineFileEdit('yarn', path, '#', YAML_TOP, (text, lines) => {
    const keys = new Set(['npmRegistryServer', 'npmAuthToken', 'npmAlwaysAuth', ...(isHttp(target) ? ['unsafeHttpWhitelist'] : [])]);
    const found = findEntries(lines, (line) => keys.has(line.key));
    const disablings: Disabling[] = found.map((index) => entrySpan(lines, index));
    const body = [`npmRegistryServer: ${JSON.stringify(registry)}`, `npmAuthToken: ${JSON.stringify(target.token)}`, 'npmAlwaysAuth: true'];
    if (isHttp(target)) {
      // yarn refuses plain http to any host not listed here; keep the hosts the user listed.
      const listed = found
        .filter((index) => lines[index]?.key === 'unsafeHttpWhitelist')
        .flatMap((index) => {
          const span = entrySpan(lines, index);
          return yamlList(text.slice(span.start, span.end));
        });
      const hosts = [...new Set([...listed, hostName(target)])];
      body.push('unsafeHttpWhitelist:', ...hosts.map((host) => `  - ${JSON.stringify(host)}`));
    }
    return { insertions: [appendBlock(text, body)], disablings };
  });
}

function yarnrcClassicEdit(target: LoginTarget, path: string): FileEdit {
  return lineFileEdit('yarn', path, '#', YARNRC, (text, lines: ScannedLine[]) => {
    const disablings = findEntries(lines, (line) => line.key === 'registry').map((index) => entrySpan(lines, index));
    const insertion: Insertion = appendBlock(text, [`registry ${JSON.stringify(npmRegistryUrl(target))}`]);
    return { insertions: [insertion], disablings };
  });
}

export function yarnPlan(target: LoginTarget, paths: UserConfigPaths): ToolPlan {
  return {
    tool: 'yarn',
    edits: [
      yarnrcYmlEdit(target, paths.yarnrcYml),
      yarnrcClassicEdit(target, paths.yarnrc),
      // yarn classic takes its token from the npmrc, under npm's credential key.
      npmrcEdit('yarn', paths.npmrc, [[`${npmNerfDart(target)}:_authToken`, target.token]]),
    ],
    notes: [`yarn (berry through ~/.yarnrc.yml, classic through ~/.yarnrc) installs through ${npmRegistryUrl(target)} now.`],
  };
}
