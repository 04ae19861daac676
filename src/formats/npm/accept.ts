/** Content negotiation for packuments: full JSON or the abbreviated "corgi" document, and for whom. */
import type { UnionAudience } from '../protocol.js';

export const ABBREVIATED_MEDIA_TYPE = 'application/vnd.npm.install-v1+json';
export const FULL_MEDIA_TYPE = 'application/json';

interface MediaRange {
  type: string;
  q: number;
  index: number;
}

function parseAccept(header: string): MediaRange[] {
  return header.split(',').flatMap((item, index) => {
    const [rawType = '', ...params] = item.split(';');
    const type = rawType.trim().toLowerCase();
    if (type === '') return [];
    let q = 1;
    for (const param of params) {
      const [key = '', value = ''] = param.split('=').map((part) => part.trim());
      if (key.toLowerCase() !== 'q') continue;
      const parsed = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value) ? Number(value) : Number.NaN;
      // A malformed q makes the whole entry unusable rather than silently "1".
      q = Number.isNaN(parsed) ? 0 : parsed;
    }
    return [{ type, q, index }];
  });
}

/**
 * True when the client prefers the abbreviated document: the Accept header lists
 * `application/vnd.npm.install-v1+json` with q > 0, and either does not list `application/json`
 * or ranks it lower (or equal but later). npm sends
 * `application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, *\/*`. Wildcards do not
 * count as asking for the full document: every client that wants it says `application/json` or
 * sends no Accept header at all (the registry's default is the full document).
 */
export function wantsAbbreviated(acceptHeader: string | undefined): boolean {
  if (acceptHeader === undefined) return false;
  const ranges = parseAccept(acceptHeader);
  const corgi = ranges.find((range) => range.type === ABBREVIATED_MEDIA_TYPE);
  if (corgi === undefined || corgi.q <= 0) return false;
  const json = ranges.find((range) => range.type === FULL_MEDIA_TYPE);
  if (json === undefined || json.q <= 0) return true;
  return corgi.q > json.q || (corgi.q === json.q && corgi.index < json.index);
}

/**
 * npm commands that pick versions to install from the packument. npm names the command it runs in
 * the `npm-command` request header, and since npm 10 `npm install` reads the FULL document, the
 * same one `npm view` lists versions from: the header is the only thing that tells them apart.
 */
const RESOLVING_COMMANDS: ReadonlySet<string> = new Set(['install', 'ci', 'update', 'dedupe', 'exec', 'install-test', 'install-ci-test', 'find-dupes', 'audit']);

/**
 * Who reads the packument (see UnionAudience): the abbreviated document exists only for
 * installers, so its readers resolve; a full document resolves only for an installing npm
 * command, and is browsing for everything else (`npm view`, `npm outdated`, a browser, curl).
 */
export function packumentAudience(abbreviated: boolean, npmCommand: string | string[] | undefined): UnionAudience {
  if (abbreviated) return 'resolver';
  return typeof npmCommand === 'string' && RESOLVING_COMMANDS.has(npmCommand.trim().toLowerCase()) ? 'resolver' : 'browser';
}
