/**
 * A fake PyPI index for tests: real node:http servers on 127.0.0.1 (port 0 by default) serving the
 * projects a test defines through the Simple API, counting every request, misbehaving on demand.
 * It is the independent reference for larder's PyPI support, so it imports nothing from src/.
 * Same shape and fault switches as the fake npm registry (fake-npm-registry.ts).
 *
 *   const pypi = await startFakePypi({ projects: [
 *     { name: 'frob', versions: { '1.0.0': { requires: ['dep>=1.0'] } } },
 *     { name: 'dep', versions: { '1.0': {}, '1.1': { metadataFile: true, sdist: true } } },
 *   ] });
 *   t.teardown(() => pypi.stop());
 *   // pip install --index-url pypi.url …
 *
 * Routes (GET and HEAD; other methods 405):
 *   /simple/                    project list (HTML or JSON)
 *   /simple/<normalized>/       project page: PEP 503 HTML (`#sha256=`, data-requires-python,
 *                               data-yanked, data-core-metadata + data-dist-info-metadata) or PEP 691
 *                               JSON (api-version 1.1: hashes, requires-python, yanked, size,
 *                               upload-time, core-metadata, versions)
 *   /simple/Other_Spelling/, /simple/name, /simple   301 to the canonical URL, as PyPI does
 *   /packages/ab/cd/<hash>/<file>            the wheel / sdist bytes
 *   /packages/ab/cd/<hash>/<file>.metadata   PEP 658 core metadata (when `metadataFile`)
 * `form`: 'negotiate' (default) answers JSON when Accept prefers application/vnd.pypi.simple.v1+json
 * over every HTML type, else HTML (with Vary: Accept); 'html' / 'json' always answer that form.
 * Pages and files carry a strong ETag and Last-Modified and answer 304 to If-None-Match (checked
 * first) or If-Modified-Since, unless `validators: false`. Pages carry X-PyPI-Last-Serial.
 *
 * File links: `relativeLinks` (default true) writes `../../packages/…`; false writes absolute URLs.
 * `filesOrigin: 'separate'` starts a second server for /packages/ (the index then answers 404
 * there) and links to it absolutely, as PyPI links to its files host; a URL string links files
 * to that origin, served by nobody here (for allow-list tests).
 *
 * Members: url ('http://127.0.0.1:PORT/simple/'), origin, filesOrigin, port, filesPort, requests
 * (each with `server: 'index' | 'files'`), count(filter?), clearRequests(), fault (a FakeFault, as
 * the npm fake; `wrong-digest` applies to /packages/ paths: a valid file — or metadata — whose
 * sha256 is not the advertised one), addProject / removeProject / addVersion / removeVersion /
 * setYanked (each bumps the modification time by ≥ 1 s and the serial), file(project, filename),
 * files(project), page(project, form), stop() (refuses connections, destroys hanging sockets),
 * start() (same ports). Always stop() in teardown.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeServer, type AdmittedRequest, type FakeFault, type Listener, type RecordedRequest } from './fake-server.js';
import { respond } from './fake-npm-respond.js';
import { projectPage, type FormMode, type PageForm } from './fake-pypi-pages.js';
import { FakePypiProjects, type FakePypiFile, type FakePypiProjectSpec, type FakePypiVersionSpec } from './fake-pypi-projects.js';
import { routePypiRequest, type PypiRouting } from './fake-pypi-routes.js';

export type { FakeFault, FakePypiFile, FakePypiProjectSpec, FakePypiVersionSpec };

export interface FakePypiOptions {
  projects?: FakePypiProjectSpec[];
  /** Which form pages take; default 'negotiate'. */
  form?: FormMode;
  /** `../../packages/…` file links (default true) or absolute ones. Ignored when files live elsewhere. */
  relativeLinks?: boolean;
  /** 'same' (default), 'separate' (a second server here), or the base URL of some other origin. */
  filesOrigin?: 'same' | 'separate' | string;
  /** false: send no ETag / Last-Modified and ignore conditional headers. Default true. */
  validators?: boolean;
  /** Port for the index; 0 (default) picks a free one. */
  port?: number;
}

export interface FakePypiRequest extends RecordedRequest {
  /** Which listener got it: the index, or the separate files server. */
  server: 'index' | 'files';
}

export class FakePypi extends FakeServer<FakePypiRequest> {
  private readonly state: FakePypiProjects;
  private readonly index: Listener;
  private readonly filesServer: Listener | undefined;

  constructor(private readonly options: FakePypiOptions = {}) {
    super({
      name: 'fake PyPI',
      // Only files (and their metadata) under /packages/.
      wrongDigestApplies: (path) => path.startsWith('/packages/'),
      statusReply: (status) => ({ contentType: 'text/plain; charset=utf-8', body: `fake PyPI answers ${status}\n` }),
    });
    this.state = new FakePypiProjects(options.projects ?? []);
    this.index = this.listenerFor('index', options.port ?? 0);
    this.filesServer = options.filesOrigin === 'separate' ? this.listenerFor('files', 0) : undefined;
  }

  /** The Simple API base pip is pointed at, with its trailing slash. */
  get url(): string {
    return `${this.origin}simple/`;
  }

  /** 'http://127.0.0.1:PORT/' of the index. */
  get origin(): string {
    return `http://127.0.0.1:${this.index.port}/`;
  }

  /** The origin (with trailing slash) file links point at. */
  get filesOrigin(): string {
    if (this.filesServer !== undefined) return `http://127.0.0.1:${this.filesServer.port}/`;
    const configured = this.options.filesOrigin;
    if (configured === undefined || configured === 'same') return this.origin;
    return configured.endsWith('/') ? configured : `${configured}/`;
  }

  /** The separate files server's port, when there is one. */
  get filesPort(): number | undefined {
    return this.filesServer?.port;
  }

  addProject(spec: FakePypiProjectSpec): void {
    this.state.addProject(spec);
  }

  removeProject(name: string): void {
    this.state.removeProject(name);
  }

  addVersion(project: string, version: string, spec?: FakePypiVersionSpec): void {
    this.state.addVersion(project, version, spec);
  }

  removeVersion(project: string, version: string): void {
    this.state.removeVersion(project, version);
  }

  setYanked(project: string, version: string, yanked: true | string | undefined): void {
    this.state.setYanked(project, version, yanked);
  }

  /** The exact bytes and facts served for a file, with its absolute URL. */
  file(project: string, filename: string): FakePypiFile & { url: string } {
    const file = this.state.file(project, filename);
    if (file === undefined) throw new Error(`fake PyPI: no file ${filename} in ${project}`);
    return { ...file, url: `${this.filesOrigin}${file.path.slice(1)}` };
  }

  /** Every file of a project, in page order. */
  files(project: string): FakePypiFile[] {
    const state = this.state.get(project);
    if (state === undefined) throw new Error(`fake PyPI: no project ${project}`);
    return this.state.files(state);
  }

  /** A project page as it would be served now in `form`. */
  page(project: string, form: PageForm): string {
    const state = this.state.get(project);
    if (state === undefined) throw new Error(`fake PyPI: no project ${project}`);
    return projectPage(state, this.state.files(state), form, (file) => this.fileUrl(file));
  }

  /** The index first: `port` and `listening` describe it. */
  protected listeners(): [Listener, Listener | undefined] {
    return [this.index, this.filesServer];
  }

  /** A listener whose requests are logged and routed as `server`'s. */
  private listenerFor(server: 'index' | 'files', port: number): Listener {
    return this.createListener(port, (request) => ({ ...request, server }), (req, res, request) => this.route(server, req, res, request));
  }

  private fileUrl(file: FakePypiFile): string {
    const here = this.filesServer === undefined && (this.options.filesOrigin ?? 'same') === 'same';
    // Pages live at /simple/<name>/, so two levels up is the root.
    if (here && this.options.relativeLinks !== false) return `../..${file.path}`;
    return `${this.filesOrigin}${file.path.slice(1)}`;
  }

  private routing(server: 'index' | 'files'): PypiRouting {
    const filesHere = this.filesServer === undefined ? (this.options.filesOrigin ?? 'same') === 'same' : server === 'files';
    return {
      projects: this.state,
      form: this.options.form ?? 'negotiate',
      servesPages: server === 'index',
      servesFiles: filesHere,
      fileUrl: (file) => this.fileUrl(file),
      projectUrl: (name) => (this.options.relativeLinks === false ? `${this.url}${name}/` : `${name}/`),
    };
  }

  private async route(server: 'index' | 'files', req: IncomingMessage, res: ServerResponse, { method, path, fault }: AdmittedRequest): Promise<void> {
    const reply = routePypiRequest(this.routing(server), { method, path, headers: req.headers, wrongDigest: fault?.kind === 'wrong-digest' });
    // respond() writes its own headers with writeHead, which merges these in.
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    respond(req, res, reply, { validators: this.options.validators !== false, gzip: false }, fault);
  }
}

export async function startFakePypi(options: FakePypiOptions = {}): Promise<FakePypi> {
  const pypi = new FakePypi(options);
  await pypi.start();
  return pypi;
}
