/**
 * Request routing for the fake PyPI index: maps a method and raw request target to a reply
 * (project list, project page, redirect to the canonical URL, file, PEP 658 metadata, 404/405/400).
 * Faults and validators are applied afterwards by fake-npm-respond.ts's `respond`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Reply } from './fake-npm-respond.js';
import { negotiate, projectList, projectPage, type FormMode } from './fake-pypi-pages.js';
import type { FakePypiFile, FakePypiProjects } from './fake-pypi-projects.js';

/** A reply plus headers `respond` does not set itself (Location, X-PyPI-Last-Serial). */
export interface PypiReply extends Reply {
  headers?: Record<string, string>;
}

/** What routing needs from the index. */
export interface PypiRouting {
  projects: FakePypiProjects;
  form: FormMode;
  /** This server answers `/simple/…`. */
  servesPages: boolean;
  /** This server answers `/packages/…`. */
  servesFiles: boolean;
  /** A file's link as written on project pages. */
  fileUrl: (file: FakePypiFile) => string;
  /** A project's link as written on the project list. */
  projectUrl: (normalized: string) => string;
}

export interface PypiRouteRequest {
  method: string;
  /** Raw request target, query included. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Serve bytes that do not match the advertised digest (the `wrong-digest` fault). */
  wrongDigest: boolean;
}

function text(status: number, message: string, headers?: Record<string, string>): PypiReply {
  return { status, type: 'text/plain; charset=utf-8', body: Buffer.from(`${message}\n`), ...(headers === undefined ? {} : { headers }) };
}

const notFound = (): PypiReply => text(404, '404 Not Found');

/** PyPI answers a non-canonical project URL with a permanent redirect to the canonical path. */
const redirect = (location: string): PypiReply => text(301, `301 Moved Permanently: ${location}`, { location });

function fileReply(routing: PypiRouting, pathname: string, wrongDigest: boolean): PypiReply {
  const found = routing.projects.byPath(pathname);
  if (found === undefined) return notFound();
  const { file, metadata } = found;
  const genuine = metadata ? file.metadata?.bytes : file.bytes;
  if (genuine === undefined) return notFound();
  const body = wrongDigest ? routing.projects.impostor(file, metadata) : genuine;
  return { status: 200, type: 'application/octet-stream', body, lastModified: file.uploaded };
}

export function routePypiRequest(routing: PypiRouting, request: PypiRouteRequest): PypiReply {
  if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, '405 Method Not Allowed', { allow: 'GET, HEAD' });
  const query = request.path.indexOf('?');
  const pathname = query === -1 ? request.path : request.path.slice(0, query);
  if (pathname.startsWith('/packages/')) return routing.servesFiles ? fileReply(routing, pathname, request.wrongDigest) : notFound();
  if (!routing.servesPages) return notFound();

  const negotiated = negotiate(request.headers.accept, routing.form);
  const page = (body: string, lastModified: Date, serial: number): PypiReply => ({
    status: 200,
    type: negotiated.type,
    body: Buffer.from(body),
    lastModified,
    vary: routing.form === 'negotiate',
    headers: { 'x-pypi-last-serial': String(serial) },
  });
  if (pathname === '/simple') return redirect('/simple/');
  if (pathname === '/simple/') {
    const { projects } = routing;
    return page(projectList(projects.list(), projects.serial, negotiated.form, routing.projectUrl), projects.listModified, projects.serial);
  }
  const match = /^\/simple\/([^/]+)(\/?)$/.exec(pathname);
  if (match === null) return notFound();
  let name: string;
  try {
    name = decodeURIComponent(match[1] ?? '');
  } catch {
    return text(400, '400 Bad Request: malformed percent-encoding'); // URIError: the client's fault
  }
  const project = routing.projects.get(name);
  if (project === undefined) return notFound();
  const canonical = `/simple/${project.normalized}/`;
  if (pathname !== canonical) return redirect(canonical);
  const files = routing.projects.files(project);
  return page(projectPage(project, files, negotiated.form, routing.fileUrl), project.modified, project.serial);
}
