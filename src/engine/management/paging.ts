/**
 * Paging for management listings: `maxResults` and an opaque `nextToken` (base64url of the
 * offset into the ordered listing), as the hosted services page.
 */
import { LarderError } from '../../errors.js';

export const DEFAULT_MAX_RESULTS = 100;
export const MAX_MAX_RESULTS = 1000;

export interface PageRequest {
  maxResults?: number;
  nextToken?: string;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

function decodeToken(token: string): number {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const match = /^o:(\d{1,9})$/.exec(text);
  if (match === null) {
    throw new LarderError('E_BAD_REQUEST', 'nextToken is not a token this listing gave out', { operation: 'management.page', details: { field: 'nextToken' } });
  }
  return Number(match[1]);
}

export function encodeToken(offset: number): string {
  return Buffer.from(`o:${offset}`, 'utf8').toString('base64url');
}

/** One page of an already ordered list. */
export function pageOf<T>(all: readonly T[], request: PageRequest): Page<T> {
  const max = request.maxResults ?? DEFAULT_MAX_RESULTS;
  if (!Number.isInteger(max) || max < 1 || max > MAX_MAX_RESULTS) {
    throw new LarderError('E_BAD_REQUEST', `maxResults must be an integer from 1 to ${MAX_MAX_RESULTS}`, { operation: 'management.page', details: { field: 'maxResults' } });
  }
  const start = request.nextToken === undefined ? 0 : decodeToken(request.nextToken);
  const items = all.slice(start, start + max);
  const end = start + items.length;
  return end < all.length ? { items, nextToken: encodeToken(end) } : { items };
}
