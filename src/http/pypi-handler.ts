/**
 * The PyPI simple API at `/pypi/REPO/`: `simple/` (project list), `simple/PROJECT/` (PEP 503 HTML
 * or PEP 691 JSON by content negotiation) and `files/PROJECT/FILE` (distributions and their
 * PEP 658 `.metadata`). Non-canonical project URLs redirect to the canonical one. `POST` to the
 * repository's root (or `legacy/`) is `twine upload` (pypi-upload.ts); other writes are 405.
 */
import type { AssetService } from '../engine/asset-service.js';
import type { ChainContext } from '../engine/chain.js';
import { viewMetadata, type MetadataViewDeps } from '../engine/metadata-view.js';
import { retainedPackageNames } from '../engine/package-list.js';
import type { Retention } from '../engine/ports.js';
import { LarderError, quoteInput } from '../errors.js';
import { contentTypeFor, negotiate, renderFormOf, type SimpleForm } from '../formats/pypi/accept.js';
import type { PypiFile } from '../formats/pypi/file.js';
import { normalizeProjectName, parseAssetName, validateProjectName } from '../formats/pypi/names.js';
import { PYPI_PAGE_VARIANT, pypiProtocol } from '../formats/pypi/protocol.js';
import { renderHtml, renderJson, renderProjectList } from '../formats/pypi/render.js';
import type { BlobStore } from '../store/types.js';
import type { Exchange } from './exchange.js';
import { handlePypiUpload, isPypiUploadPath } from './pypi-upload.js';
import type { PublishingDeps } from './writer-auth.js';
import type { FormatHandler } from './router.js';
import { serveAsset } from './serve-asset.js';

export interface PypiHandlerDeps {
  metadata: MetadataViewDeps;
  assets: AssetService;
  chain: ChainContext;
  retention: Retention;
  blobs: Pick<BlobStore, 'readRange'>;
  /** Absent: every write is refused (405). */
  publishing?: PublishingDeps;
}

export function createPypiHandler(deps: PypiHandlerDeps): FormatHandler {
  return async (exchange, repository, rest, query) => {
    const method = exchange.req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      // twine upload: the legacy upload API, at the repository's root as at PyPI's /legacy/.
      if (method === 'POST' && deps.publishing !== undefined && isPypiUploadPath(rest)) return handlePypiUpload(deps.publishing, exchange, repository);
      throw new LarderError('E_METHOD_NOT_ALLOWED', `${method} is not supported on ${exchange.req.url}; the simple API is read-only (GET and HEAD)`, { operation: 'pypi.route' });
    }
    const base = `${exchange.origin}/pypi/${repository}/`;
    const segments = rest.split('/').map((segment) => decodeSegment(segment));
    const [area, name, file, ...extra] = segments;
    const suffix = query === '' ? '' : `?${query}`;

    if (area === 'simple' && name === undefined) return redirect(exchange, `${base}simple/${suffix}`);
    if (area === 'simple' && name === '' && file === undefined) return projectList(deps, exchange, repository, base);
    if (area === 'simple' && name !== undefined && name !== '' && extra.length === 0 && (file === undefined || file === '')) {
      const project = validateProjectName(name);
      const canonical = normalizeProjectName(project);
      if (name !== canonical || file === undefined) return redirect(exchange, `${base}simple/${canonical}/${suffix}`);
      return projectPage(deps, exchange, repository, canonical, base);
    }
    if (area === 'files' && name !== undefined && file !== undefined && extra.length === 0) {
      const project = normalizeProjectName(validateProjectName(name));
      const asset = parseAssetName(project, file);
      exchange.facts.package = project;
      exchange.facts.version = asset.version;
      const assetName = asset.metadata ? `${asset.filename}.metadata` : asset.filename;
      return serveAsset(exchange, await deps.assets.serve(pypiProtocol, { repository, pkg: project, version: asset.version, assetName }), { blobs: deps.blobs });
    }
    throw new LarderError('E_NOT_FOUND', `nothing is served at ${quoteInput(exchange.req.url ?? '')}; pip uses ${base}simple/`, { operation: 'pypi.route' });
  };
}

function chooseForm(exchange: Exchange): SimpleForm {
  const form = negotiate(exchange.req.headers.accept);
  if (form === undefined) {
    throw new LarderError(
      'E_NOT_ACCEPTABLE',
      `no representation matches Accept: ${quoteInput(exchange.req.headers.accept ?? '')}; larder serves application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html and text/html`,
      { operation: 'pypi.negotiate' },
    );
  }
  return form;
}

async function projectPage(deps: PypiHandlerDeps, exchange: Exchange, repository: string, project: string, base: string): Promise<void> {
  exchange.facts.package = project;
  const form = chooseForm(exchange);
  const view = await viewMetadata(deps.metadata, pypiProtocol, repository, project, PYPI_PAGE_VARIANT);
  exchange.setCache(view.outcome);
  const fileUrl = (file: PypiFile): string => `${base}files/${encodeURIComponent(project)}/${encodeURIComponent(file.filename)}`;
  const body = renderFormOf(form) === 'json' ? renderJson(view.doc, fileUrl) : renderHtml(view.doc, fileUrl);
  exchange.sendText(200, body, contentTypeFor(form), { vary: 'Accept', 'cache-control': 'no-cache' });
}

async function projectList(deps: PypiHandlerDeps, exchange: Exchange, repository: string, base: string): Promise<void> {
  const form = chooseForm(exchange);
  const names = await retainedPackageNames(deps.chain, deps.retention, repository, 'pypi');
  const body = renderProjectList(names, (name) => `${base}simple/${name}/`, renderFormOf(form));
  exchange.sendText(200, body, contentTypeFor(form), { vary: 'Accept' });
}

function redirect(exchange: Exchange, location: string): void {
  exchange.res.writeHead(301, { location, 'content-length': '0' });
  exchange.res.end();
}

function decodeSegment(segment: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    throw new LarderError('E_BAD_REQUEST', `the path segment "${segment}" is not valid percent-encoding`, { operation: 'pypi.route' });
  }
  if (decoded.includes('/') || decoded.includes('\\') || decoded === '..' || decoded === '.') {
    throw new LarderError('E_BAD_REQUEST', `the path segment "${segment}" contains a slash or a dot segment`, { operation: 'pypi.route' });
  }
  return decoded;
}
