/**
 * `twine upload` to `/pypi/REPO/` (or `/pypi/REPO/legacy/`), issue 9 §1–3: the legacy upload API
 * as warehouse implements it. A multipart form of text fields and then the file: the writer's
 * token first, then the fields (formats/pypi/upload-form.ts), then the guard, and only then does
 * the file stream into the store, checked against the sha256_digest the form declared. The file
 * is recorded with the simple-API entry that lists it in every repository searching this one.
 * A refusal's message goes in the reason phrase too, which is what twine prints (reason-phrase.ts).
 */
import type { AssetRef } from '../domain/types.js';
import { LarderError, isLarderError } from '../errors.js';
import { pypiProtocol } from '../formats/pypi/protocol.js';
import { UPLOAD_FILE_FIELD, describeUpload, formWithoutFile, uploadListing, type PypiUpload } from '../formats/pypi/upload-form.js';
import type { Exchange } from './exchange.js';
import { drain, streamForm, type FormLimits, type StreamedForm } from './multipart-upload.js';
import { reasonPhrase } from './reason-phrase.js';
import { admitWriter, type PublishingDeps } from './writer-auth.js';

const OPERATION = 'pypi.upload';

/** twine's form is some 30 short fields; the README goes in `description`. */
const FORM_LIMITS: FormLimits = {
  fieldBytes: 2 * 1024 * 1024,
  totalFieldBytes: 8 * 1024 * 1024,
  parts: 1_000,
  // A detached GPG signature (twine --sign) is well under this; PyPI drops them, so does larder.
  ignoredFileBytes: 64 * 1024,
};

/** Whether `rest` (the path after `/pypi/REPO/`) is where twine uploads. */
export function isPypiUploadPath(rest: string): boolean {
  return rest === '' || rest === 'legacy' || rest === 'legacy/';
}

export async function handlePypiUpload(deps: PublishingDeps, exchange: Exchange, repository: string): Promise<void> {
  let form: StreamedForm | undefined;
  try {
    const user = admitWriter(deps, exchange, repository, 'POST is an upload');
    form = streamForm(exchange.req, { fileField: UPLOAD_FILE_FIELD, ignoredFileFields: ['gpg_signature'], limits: FORM_LIMITS });
    const head = await form.head;
    if (head.file === undefined) throw formWithoutFile(head.fields);
    const upload = describeUpload(head.fields, head.file.filename);
    exchange.facts.package = upload.project;
    exchange.facts.version = upload.version;

    const { publisher } = deps;
    await publisher.admit(pypiProtocol, { repository, pkg: upload.project, version: upload.version, assetNames: [upload.filename] });
    const blob = await publisher.store(head.file.stream, { integrity: upload.integrity }, upload.filename);
    await form.done;
    if (upload.md5 !== undefined && upload.md5 !== blob.digests.md5) {
      throw new LarderError('E_BAD_REQUEST', `${upload.filename} does not match its md5_digest (${upload.md5}; the bytes received have ${blob.digests.md5}); nothing was published`, {
        operation: OPERATION,
      });
    }
    await publisher.record({
      repository,
      format: 'pypi',
      pkg: upload.project,
      version: upload.version,
      assets: [asset(exchange, repository, upload, blob.integrity, blob.size, publisher.now())],
      manifest: {}, // PyPI keeps what a listing needs per file (protocol.ts), not per version
      user,
    });
    exchange.sendText(200, `${upload.filename} is published in ${repository} as ${upload.project} ${upload.version}\n`, 'text/plain; charset=utf-8');
  } catch (error) {
    // A form that broke off (malformed, cut short) fails the file stream with busboy's own error: the form's says what happened.
    const refusal = !isLarderError(error) && form?.failure !== undefined ? form.failure : error;
    if (form === undefined) drain(exchange.req);
    else form.abandon();
    if (isLarderError(refusal) && !exchange.res.headersSent) exchange.res.statusMessage = reasonPhrase(refusal.message);
    throw refusal;
  }
}

function asset(exchange: Exchange, repository: string, upload: PypiUpload, integrity: string, size: number, uploadedAt: Date): AssetRef {
  const url = `${exchange.origin}/pypi/${repository}/files/${encodeURIComponent(upload.project)}/${encodeURIComponent(upload.filename)}`;
  return { name: upload.filename, integrity, size, contentType: pypiProtocol.assetContentType(upload.filename), listing: uploadListing(upload, { url, size, uploadedAt }) };
}
