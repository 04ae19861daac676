/**
 * Reads a metadata body (packument, project page, maven-metadata.xml) into a string, up to a cap.
 * Only metadata may be buffered (DESIGN §3); past the cap the stream is destroyed, so the upstream
 * connection is released, and E_TOO_LARGE says which document and which limit.
 */
import { LarderError } from '../errors.js';
import type { UpstreamResponse } from './types.js';
import { redactUrl, toUpstreamError } from './transport-errors.js';

function tooLarge(response: UpstreamResponse, maxBytes: number, operation: string, seen: number): LarderError {
  return new LarderError(
    'E_TOO_LARGE',
    `The upstream document ${redactUrl(response.url)} is larger than ${maxBytes} bytes ` +
      `(at least ${seen} bytes), the limit. Raise limits.maxMetadataSize in the larder config if it is legitimate.`,
    { operation, details: { url: redactUrl(response.url), maxBytes, size: seen } },
  );
}

export async function readBodyText(response: UpstreamResponse, maxBytes: number, operation: string): Promise<string> {
  const { body } = response;
  // Refuse early when the upstream announces the size: no need to read what will be thrown away.
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    body.destroy();
    throw tooLarge(response, maxBytes, operation, declared);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      total += buffer.length;
      if (total > maxBytes) {
        body.destroy();
        throw tooLarge(response, maxBytes, operation, total);
      }
      chunks.push(buffer);
    }
  } catch (err) {
    if (err instanceof LarderError) throw err;
    // A body that did not come through the client's wrapper can still fail with a raw error.
    throw toUpstreamError(err, { url: response.url, method: 'GET', phase: 'response', operation });
  }
  return Buffer.concat(chunks, total).toString('utf8');
}
