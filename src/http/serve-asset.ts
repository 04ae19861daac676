/** Sends an asset the engine produced: streamed, with the headers every format shares. */
import type { ServedAsset } from '../engine/asset-service.js';
import { integrityToHex } from '../domain/integrity.js';
import type { Exchange } from './exchange.js';

export async function serveAsset(exchange: Exchange, asset: ServedAsset): Promise<void> {
  exchange.setCache(asset.outcome);
  const headers: Record<string, string> = {
    'content-type': asset.contentType,
    // Assets are immutable: the same URL always means the same bytes.
    'cache-control': 'public, max-age=31536000, immutable',
    etag: `"${integrityToHex(asset.integrity).hex}"`,
  };
  if (asset.size !== undefined) headers['content-length'] = String(asset.size);
  if (exchange.req.headers['if-none-match'] === headers.etag) {
    asset.body.destroy();
    exchange.res.writeHead(304, headers);
    exchange.res.end();
    return;
  }
  await exchange.sendStream(200, asset.body, headers);
}
