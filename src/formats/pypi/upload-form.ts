/**
 * The legacy upload API's form (what `twine upload` POSTs, as warehouse reads it), checked field
 * by field into what larder records, and the simple-API entry the uploaded file is listed with.
 * Pure: the HTTP side (http/pypi-upload.ts) hands the fields over as they arrived.
 *
 * The file must belong to the project and version the form names, so that an upload can never
 * put a file under another project's name; and the form must declare the file's sha256 before
 * the file itself, because the file is checked against it while it streams into the store.
 */
import { integrityFromHex } from '../../domain/integrity.js';
import { LarderError, quoteInput } from '../../errors.js';
import { compactFile, type PypiFile } from './file.js';
import { normalizeProjectName, parseDistributionFilename, validateProjectName, type DistributionKind } from './names.js';
import { normalizeVersion } from './version.js';

/** The form part that carries the distribution. */
export const UPLOAD_FILE_FIELD = 'content';

/** Text fields by name, in the order they came; a field sent twice (classifiers) has several values. */
export type UploadFields = ReadonlyMap<string, readonly string[]>;

/** One checked upload: what the guard, the store and the record need. */
export interface PypiUpload {
  /** The PEP 503 normalised project name (how larder keys PyPI packages). */
  project: string;
  /** The PEP 440 normal form. */
  version: string;
  filename: string;
  kind: DistributionKind;
  /** Lowercase hex, as the simple API lists it. */
  sha256: string;
  /** The same digest as an SRI string: the blob store checks the file against it. */
  integrity: string;
  /** Lowercase hex, when the form sent one: checked against the stored bytes too. */
  md5?: string;
  requiresPython?: string;
}

const OPERATION = 'pypi.upload';
const FILETYPES: Readonly<Record<string, DistributionKind>> = { sdist: 'sdist', bdist_wheel: 'wheel' };
/** Longer than any real Requires-Python; short enough that a page never carries an essay. */
const MAX_REQUIRES_PYTHON_LENGTH = 500;
/** One PEP 440 version specifier (`>=3.8`, `!=3.0.*`, `~=3.9`, `===foo`). */
const SPECIFIER = /^\s*(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+\s*$/;

function badForm(message: string): LarderError {
  return new LarderError('E_BAD_REQUEST', message, { operation: OPERATION });
}

/** The one value of a single-valued field (trimmed), undefined when absent or empty. */
function single(fields: UploadFields, name: string): string | undefined {
  const values = [...new Set((fields.get(name) ?? []).map((value) => value.trim()))].filter((value) => value !== '');
  if (values.length > 1) throw badForm(`the upload form gives ${name} ${values.length} different values; send it once`);
  return values[0];
}

function required(fields: UploadFields, name: string, what: string): string {
  const value = single(fields, name);
  if (value === undefined) throw badForm(`the upload form has no ${name} (${what}); send the fields twine sends (twine upload)`);
  return value;
}

/**
 * `:action` must be `file_upload` and `protocol_version` 1, as warehouse requires: the legacy
 * API's other actions (register, doc_upload) are gone from PyPI and larder never had them.
 */
function checkUploadAction(fields: UploadFields): void {
  const action = single(fields, ':action');
  if (action === undefined) throw badForm('the upload form has no :action; larder takes :action=file_upload (twine upload)');
  if (action !== 'file_upload') {
    throw badForm(`:action ${quoteInput(action, 40)} is not supported; larder takes :action=file_upload (twine upload) and nothing else of the legacy API`);
  }
  const protocol = single(fields, 'protocol_version') ?? '1';
  if (protocol !== '1') throw badForm(`protocol_version ${quoteInput(protocol, 40)} is unknown; the legacy upload API is protocol_version 1`);
}


function sha256Of(fields: UploadFields): string {
  const hex = single(fields, 'sha256_digest');
  if (hex === undefined) {
    throw badForm(
      'the upload form has no sha256_digest before its file: larder checks the file against that digest while it streams, so the fields must come first, ' +
        'sha256_digest (the hex SHA-256 of the file) among them, as twine sends them',
    );
  }
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw badForm(`sha256_digest ${quoteInput(hex, 80)} is not a hex SHA-256 digest (64 hex digits)`);
  return hex.toLowerCase();
}

function md5Of(fields: UploadFields): string | undefined {
  const hex = single(fields, 'md5_digest');
  if (hex === undefined) return undefined;
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw badForm(`md5_digest ${quoteInput(hex, 80)} is not a hex MD5 digest (32 hex digits)`);
  return hex.toLowerCase();
}

function requiresPythonOf(fields: UploadFields): string | undefined {
  const value = single(fields, 'requires_python');
  if (value === undefined) return undefined;
  if (value.length > MAX_REQUIRES_PYTHON_LENGTH || !value.split(',').every((part) => SPECIFIER.test(part))) {
    throw badForm(`requires_python ${quoteInput(value, 80)} is not a PEP 440 specifier set such as ">=3.8" or ">=3.8,<4"`);
  }
  return value;
}

/** The error for a form that ended without its file (the wrong :action says more, and is thrown). */
export function formWithoutFile(fields: UploadFields): LarderError {
  checkUploadAction(fields);
  return badForm(`the upload form has no file part named "${UPLOAD_FILE_FIELD}"; send the distribution there, after the fields (as twine does)`);
}

/**
 * Checks the fields that came before the file named `filename`. Throws E_BAD_REQUEST naming the
 * field: a missing or malformed digest, action, name, version or filetype, or a file that is not
 * a distribution of that project at that version.
 */
export function describeUpload(fields: UploadFields, filename: string): PypiUpload {
  // First: a file that came before the fields shows as a form without its digest.
  const sha256 = sha256Of(fields);
  checkUploadAction(fields);
  const name = required(fields, 'name', 'the project name');
  const versionText = required(fields, 'version', 'the PEP 440 version');
  const filetype = required(fields, 'filetype', 'sdist or bdist_wheel');
  const metadataVersion = required(fields, 'metadata_version', 'the core metadata version, e.g. 2.1');

  const project = normalizeProjectName(validateProjectName(name));
  const version = normalizeVersion(versionText);
  if (version === undefined) throw badForm(`version ${quoteInput(versionText, 80)} is not a PEP 440 version`);
  const kind = FILETYPES[filetype];
  if (kind === undefined) throw badForm(`filetype ${quoteInput(filetype, 40)} is not taken here; larder takes sdist and bdist_wheel uploads`);
  if (!/^\d+\.\d+$/.test(metadataVersion)) throw badForm(`metadata_version ${quoteInput(metadataVersion, 40)} is not a core metadata version such as 2.1`);

  const file = parseDistributionFilename(project, filename);
  if (file.version !== version) throw badForm(`file ${quoteInput(filename)} is version ${file.version} of ${project}, but the form says version ${version}`);
  if (file.kind !== kind) throw badForm(`file ${quoteInput(filename)} is ${file.kind === 'wheel' ? 'a wheel' : 'an sdist'}, but the form says filetype ${filetype}`);
  const md5 = md5Of(fields);
  const requiresPython = requiresPythonOf(fields);
  return {
    project,
    version,
    filename,
    kind,
    sha256,
    integrity: integrityFromHex('sha256', sha256),
    ...(md5 === undefined ? {} : { md5 }),
    ...(requiresPython === undefined ? {} : { requiresPython }),
  };
}

/**
 * The simple-API entry snapshotted with the uploaded file (AssetRef.listing, read back by
 * toPypiFile in union.ts), so the file is listed — with its sha256, size, upload time and
 * Requires-Python — by every repository that searches this one. `url` is where the publishing
 * repository serves it; pages are rendered with each repository's own file URLs anyway.
 */
export function uploadListing(upload: PypiUpload, stored: { url: string; size: number; uploadedAt: Date }): PypiFile {
  return compactFile({
    filename: upload.filename,
    url: stored.url,
    hashes: { sha256: upload.sha256 },
    requiresPython: upload.requiresPython,
    size: stored.size,
    uploadTime: stored.uploadedAt.toISOString(),
  });
}
