/** Sends an asset the engine produced: streamed, with the headers every format shares. */
import type { ServedAsset } from '../engine/asset-service.js';
import { integrityToHex } from '../domain/integrity.js';
import type { BlobStore } from '../store/types.js';
import type { Exchange } from './exchange.js';
import { parseRange } from './range.js';

export interface ServeAssetOptions {
  /** Extra headers (Maven's X-Checksum-*). */
  headers?: Record<string, string>;
  /** Answers Range requests for stored assets. */
  blobs?: Pick<BlobStore, 'readRange'>;
}

export async function serveAsset(exchange: Exchange, asset: ServedAsset, options: ServeAssetOptions = {}): Promise<void> {
  exchange.setCache(asset.outcome);
  const headers: Record<string, string> = {
    ...options.headers,
    'content-type': asset.contentType,
    // Assets are immutable: the same URL always means the same bytes.
    'cache-control': 'public, max-age=31536000, immutable',
    etag: `"${integrityToHex(asset.integrity).hex}"`,
    'last-modified': asset.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
  };
  if (asset.size !== undefined) headers['content-length'] = String(asset.size);
  if (exchange.sentNotModified(headers)) {
    asset.body.destroy();
    return;
  }
  // Ranges are served from the store; a body still arriving from upstream is sent whole.
  const range = asset.outcome === 'hit' && asset.size !== undefined && options.blobs ? parseRange(exchange.req.headers.range, asset.size) : { kind: 'none' as const };
  if (range.kind === 'unsatisfiable') {
    asset.body.destroy();
    exchange.res.writeHead(416, { 'content-range': `bytes */${asset.size ?? 0}`, 'content-length': '0' });
    exchange.res.end();
    return;
  }
  if (range.kind === 'range' && options.blobs) {
    const part = await options.blobs.readRange(asset.integrity, range.start, range.end).catch((error: unknown) => {
      asset.body.destroy();
      throw error;
    });
    if (part !== null) {
      asset.body.destroy();
      headers['content-range'] = `bytes ${range.start}-${range.end}/${part.size}`;
      headers['content-length'] = String(range.end - range.start + 1);
      await exchange.sendStream(206, part.stream, headers);
      return;
    }
  }
  if (asset.bytes !== undefined) {
    // Held in memory and verified: one write, without a stream pipeline per request.
    asset.body.destroy();
    exchange.sendBytes(200, asset.bytes, asset.contentType, headers);
    return;
  }
  await exchange.sendStream(200, asset.body, headers);
}
