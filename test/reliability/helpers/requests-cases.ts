/**
 * The table of hostile requests (issue 7 scope 3), as raw bytes. Every case names what a well
 * behaved larder answers; hostile-requests.test.ts sends each one over a raw socket and checks
 * the answer, the log and that the daemon keeps serving.
 */

export interface RequestCase {
  group: string;
  name: string;
  /** The exact bytes sent, in one write. */
  send: string;
  /** Acceptable statuses of the final (non-1xx) answer; for `sequence` cases, unused. */
  expect: readonly number[];
  /** Pipelined cases: the statuses of each answer, in order. */
  sequence?: readonly number[];
  /** Answers carry no body (HEAD). */
  bodiless?: boolean;
}

/** What the cases need to know about the running test setup. */
export interface CaseContext {
  port: number;
  /** Segments of the canary file's absolute path (`['tmp', 'x', 'canary.txt']`). */
  canary: string[];
  /** A file of the fake PyPI project `ok`. */
  wheel: string;
}

/** A request secret the answers must never repeat (TRACE, error messages). */
export const REQUEST_SECRET = 'req-secret-5d1f0c';

export const PREFIXES = {
  'npm packument': '/npm/default/',
  'npm tarball': '/npm/default/ok/-/',
  'pypi simple': '/pypi/default/simple/',
  'pypi files': '/pypi/default/files/ok/',
  maven: '/maven/default/com/acme/lib/1.0/',
  api: '/-/api/repositories/',
} as const;

const UP = 8; // more `..` than any data dir is deep

/** Every spelling of "go up and read the canary": name → path after a prefix. */
function traversals(canary: string[]): Record<string, string> {
  const up = (dots: string, sep: string): string => `${dots}${sep}`.repeat(UP) + canary.join(sep);
  return {
    '..': up('..', '/'),
    '%2e%2e': up('%2e%2e', '/'),
    '%2E%2e': up('%2E%2e', '/'),
    '%252e%252e': up('%252e%252e', '/'),
    '..%2f': up('..', '%2f'),
    '..\\': up('..', '\\'),
    '..%5c': up('..', '%5c'),
    ';/../': `ok;/${up('..', '/')}`,
    'overlong %c0%ae': up('%c0%ae%c0%ae', '/'),
    '%00': `${up('..', '%2f')}%00.tgz`,
    '/./': './ok/./-/./ok-1.0.0.tgz',
    'doubled //': `/${canary.join('//')}`,
  };
}

export interface RequestOptions {
  method?: string;
  /** `null`: no Host header at all. */
  host?: string | null;
  headers?: string[];
  version?: string;
  body?: string;
  /** Keep the connection open (pipelining); default `Connection: close`. */
  keepAlive?: boolean;
}

export function request(ctx: CaseContext, target: string, options: RequestOptions = {}): string {
  const host = options.host === undefined ? `127.0.0.1:${ctx.port}` : options.host;
  const lines = [
    `${options.method ?? 'GET'} ${target} HTTP/${options.version ?? '1.1'}`,
    ...(host === null ? [] : [`Host: ${host}`]),
    ...(options.headers ?? []),
    ...(options.keepAlive === true ? [] : ['Connection: close']),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${options.body ?? ''}`;
}

const BAD = [400, 404] as const;

export function buildCases(ctx: CaseContext): RequestCase[] {
  const req = (target: string, options?: RequestOptions): string => request(ctx, target, options);
  const cases: RequestCase[] = [];
  const add = (group: string, name: string, send: string, expect: readonly number[], extra: Partial<RequestCase> = {}): void => {
    cases.push({ group, name, send, expect, ...extra });
  };

  // Traversal, every spelling under every format's paths.
  for (const [prefixName, prefix] of Object.entries(PREFIXES)) {
    for (const [spelling, path] of Object.entries(traversals(ctx.canary))) add('traversal', `${prefixName} ${spelling}`, req(prefix + path), BAD);
    add('traversal', `${prefixName} raw NUL`, req(`${prefix}ok\0.tgz`), [400]);
  }
  const asset = `../../../../../../../../${ctx.canary.join('/')}`;
  add('traversal', 'api asset=../canary', req(`/-/api/versions/asset?repository=default&format=npm&package=ok&version=1.0.0&asset=${encodeURIComponent(asset)}`), BAD);
  add('traversal', 'api package=../canary', req(`/-/api/versions?repository=default&format=npm&package=${encodeURIComponent(asset)}`), [200, 400, 404]);

  // Request targets that are not origin-form.
  add('target', 'absolute-form foreign host', req('http://evil.example/npm/default/ok', { host: 'evil.example' }), BAD);
  add('target', 'absolute-form //host', req('//evil.example/npm/default/ok'), BAD);
  add('target', 'CONNECT', req('evil.example:443', { method: 'CONNECT', host: 'evil.example:443' }), [400, 405]);
  add('target', 'OPTIONS *', req('*', { method: 'OPTIONS' }), [400, 404, 405]);
  add('target', 'no leading slash', req('npm/default/ok'), BAD);

  // Host: DNS rebinding on a loopback bind, and what goes into rewritten URLs.
  const rebinding = [400, 403, 421] as const;
  add('host', 'evil.example npm packument', req('/npm/default/ok', { host: 'evil.example' }), rebinding);
  add('host', 'evil.example pypi redirect', req('/pypi/default/simple/OK', { host: 'evil.example' }), rebinding);
  add('host', 'evil.example pypi page', req('/pypi/default/simple/ok/', { host: 'evil.example', headers: ['Accept: text/html'] }), rebinding);
  add('host', 'evil.example api', req('/-/api/repositories', { host: 'evil.example' }), rebinding);
  const loopbackOrReject = [200, 400, 421] as const;
  add('host', 'Host a"b', req('/npm/default/ok', { host: 'a"b' }), loopbackOrReject);
  add('host', 'Host x/y', req('/npm/default/ok', { host: 'x/y' }), loopbackOrReject);
  add('host', 'Host userinfo@evil', req('/npm/default/ok', { host: `127.0.0.1:${ctx.port}@evil.example` }), loopbackOrReject);
  add('host', 'Host <script>', req('/npm/default/ok', { host: '<script>alert(1)</script>' }), loopbackOrReject);
  add('host', 'Host 5000 chars', req('/npm/default/ok', { host: `${'a'.repeat(5000)}.example` }), loopbackOrReject);
  add('host', 'two Host headers', req('/npm/default/ok', { headers: ['Host: evil.example'] }), loopbackOrReject);
  add('host', 'Host localhost (legit)', req('/npm/default/ok', { host: `localhost:${ctx.port}` }), [200]);
  add('host', 'HTTP/1.0 without Host', req('/npm/default/ok', { host: null, version: '1.0' }), [200]);
  add('host', 'HTTP/1.1 without Host', req('/npm/default/ok', { host: null }), [400]);

  // CR, LF and control characters in the path and in header values.
  for (const [prefixName, prefix] of Object.entries(PREFIXES)) {
    add('control', `${prefixName} %0d%0a`, req(`${prefix}ok%0d%0aX-Injected:%201`), [400]);
    add('control', `${prefixName} raw <script>`, req(`${prefix}<script>alert(1)</script>`), BAD);
  }
  add('control', 'unknown format raw <script>', req('/x/<script>alert(1)</script>'), BAD);
  // A CR LF ends the request line: what follows is a header line (or a bad one), never part of the path.
  add('control', 'path raw CRLF', req('/npm/default/ok\r\nX-Injected: 1'), [200, 400]);
  add('control', 'path raw CRLF mid-path', req('/npm/default/o\r\nk'), [400]);
  add('control', 'path raw \\x01', req('/npm/default/o\x01k'), [400]);
  add('control', 'path raw \\x7f', req('/maven/default/com/acme\x7f/lib/1.0/lib-1.0.jar'), [400]);
  add('control', 'path raw tab', req('/pypi/default/simple/o\tk/'), [400]);
  add('control', 'path raw 0xff', req('/npm/default/ok\xff'), [400]);
  add('control', 'query %0d%0a in redirect', req('/pypi/default/simple/OK?x=%0d%0aX-Injected:%201'), [301, 400]);
  add('control', 'header \\x01', req('/npm/default/ok', { headers: ['X-Note: a\x01b'] }), [400]);
  add('control', 'header bare CR', req('/npm/default/ok', { headers: ['X-Note: a\rX-Injected: 1'] }), [400]);
  add('control', 'header bare LF', req('/npm/default/ok', { headers: ['X-Note: a\nX-Injected: 1'] }), [200, 400]);
  add('control', 'header obs-fold', req('/npm/default/ok', { headers: ['X-Note: a', ' folded'] }), [400]);
  add('control', 'header name with space', req('/npm/default/ok', { headers: ['X Note: a'] }), [400]);
  add('control', 'Accept <script> (pypi 406)', req('/pypi/default/simple/ok/', { headers: ['Accept: <script>alert(1)</script>'] }), [406]);
  add('control', 'npm-command <script>', req('/npm/default/ok', { headers: ['npm-command: <script>alert(1)</script>'] }), [200]);

  // Oversized and malformed.
  add('size', 'URL 10 KB', req(`/npm/default/${'a'.repeat(10_000)}`), [414]);
  add('size', 'URL 100 KB', req(`/npm/default/${'a'.repeat(100_000)}`), [414, 431]);
  add('size', 'header 20 KB', req('/npm/default/ok', { headers: [`X-Big: ${'b'.repeat(20_000)}`] }), [431]);
  for (const [prefixName, prefix] of Object.entries(PREFIXES)) {
    for (const bad of ['%', '%zz', '%c3', '%ff']) add('percent', `${prefixName} ${bad}`, req(`${prefix}ok${bad}`), BAD);
  }

  // Hostile version specs and dist-tags.
  const longRange = encodeURIComponent('>=1.0.0 || '.repeat(150) + '<2');
  add('semver', 'range 1.6 KB', req(`/npm/default/ok/${longRange}`), [400]);
  add('semver', '10k ||', req(`/npm/default/ok/1${'||1'.repeat(10_000)}`), [400, 414, 431]);
  add('semver', '2k || (under URL limit)', req(`/npm/default/ok/1${'||1'.repeat(2_000)}`), [400]);
  add('semver', 'whitespace range', req(`/npm/default/ok/%3E%3D1.0.0${'%20'.repeat(240)}%3C2`), [200, 400, 404]);
  add('semver', 'range (legit)', req('/npm/default/ok/%3E%3D1.0.0%20%7C%7C%20%3C0.0.1'), [200]);
  for (const tag of ['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf']) add('semver', `dist-tag ${tag}`, req(`/npm/default/ok/${tag}`), BAD);
  add('semver', 'dist-tag %3Cscript%3E', req('/npm/default/ok/%3Cscript%3E'), [400]);
  add('semver', 'PUT dist-tag', req('/npm/default/-/package/ok/dist-tags/latest', { method: 'PUT', headers: ['Content-Length: 7'], body: '"1.0.0"' }), [405]);

  // Methods.
  const targets = { npm: '/npm/default/ok', pypi: '/pypi/default/simple/ok/', maven: '/maven/default/com/acme/lib/1.0/lib-1.0.pom', api: '/-/api/repositories' };
  for (const [format, target] of Object.entries(targets)) {
    for (const method of ['OPTIONS', 'TRACE', 'DELETE', 'PUT', 'PATCH']) {
      add('method', `${method} ${format}`, req(target, { method, headers: [`Cookie: s=${REQUEST_SECRET}`, 'Content-Length: 0'] }), [405]);
    }
  }
  add('method', 'HEAD npm hostile path', req('/npm/default/%2e%2e', { method: 'HEAD' }), [400], { bodiless: true });
  add('method', 'unknown method FOO', req('/npm/default/ok', { method: 'FOO' }), [400, 405, 501]);

  // Bodies, Expect, framing.
  add('framing', 'body on GET', req('/npm/default/ok', { headers: ['Content-Length: 5'], body: 'hello' }), [200]);
  const smuggled = req('/npm/default/smuggled', { keepAlive: true });
  add('framing', 'smuggled request in GET body', req('/npm/default/ok', { keepAlive: true, headers: [`Content-Length: ${smuggled.length}`], body: smuggled }) + req('/npm/default/ok'), [], { sequence: [200, 200] });
  add('framing', 'CL + TE', req('/npm/default/ok', { headers: ['Content-Length: 4', 'Transfer-Encoding: chunked'], body: '0\r\n\r\n' }), [400]);
  add('framing', 'two Content-Lengths', req('/npm/default/ok', { headers: ['Content-Length: 1', 'Content-Length: 2'], body: 'ab' }), [400]);
  add('framing', 'Expect: 100-continue', req('/npm/default/ok', { headers: ['Expect: 100-continue', 'Content-Length: 2'], body: 'ab' }), [200]);
  add('framing', 'Expect: 100-continue hostile', req('/npm/default/%2e%2e', { headers: ['Expect: 100-continue', 'Content-Length: 2'], body: 'ab' }), [400]);
  add('framing', 'Expect: bogus', req('/npm/default/ok', { headers: ['Expect: bogus'] }), [417]);
  add('framing', 'HTTP/2.0 request line', req('/npm/default/ok', { version: '2.0' }), [200, 400, 505]);
  const pipeline = ['/npm/default/ok', '/npm/default/%2e%2e/%2e%2e/x', `/pypi/default/files/ok/${ctx.wheel}%00`, '/maven/default/com/acme/lib/maven-metadata.xml'];
  add('framing', 'pipelined 4', pipeline.map((target, index) => req(target, { keepAlive: index < pipeline.length - 1 })).join(''), [], { sequence: [200, 400, 400, 200] });
  return cases;
}
