/** Reads a JSON request body with a size cap, and checks its fields, naming the one that is wrong. */
import type { IncomingMessage } from 'node:http';
import { LarderError, quoteInput } from '../errors.js';

export const MAX_JSON_BODY_BYTES = 1024 * 1024;

export async function readJsonBody(req: IncomingMessage, operation: string, limit = MAX_JSON_BODY_BYTES): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new LarderError('E_TOO_LARGE', `the request body is larger than ${limit} bytes`, { operation });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new LarderError('E_TOO_LARGE', `the request body is larger than ${limit} bytes`, { operation });
    }
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new LarderError('E_BAD_REQUEST', `the request body is not valid JSON: ${(error as Error).message}`, { operation, cause: error });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LarderError('E_BAD_REQUEST', 'the request body must be a JSON object', { operation });
  }
  return value as Record<string, unknown>;
}

export function badField(field: string, why: string, operation: string): LarderError {
  return new LarderError('E_BAD_REQUEST', `${field} ${why}`, { operation, details: { field } });
}

/** A required or optional string field of a body or query. */
export function stringField(source: Record<string, unknown>, field: string, operation: string, required: true): string;
export function stringField(source: Record<string, unknown>, field: string, operation: string, required: false): string | undefined;
export function stringField(source: Record<string, unknown>, field: string, operation: string, required: boolean): string | undefined {
  const value = source[field];
  if (value === undefined || value === null) {
    if (required) throw badField(field, 'is required', operation);
    return undefined;
  }
  if (typeof value !== 'string' || value === '') throw badField(field, 'must be a non-empty string', operation);
  return value;
}

/** A field whose value must be one of `allowed`. */
export function oneOf<T extends string>(source: Record<string, unknown>, field: string, allowed: readonly T[], operation: string, required: boolean): T | undefined {
  const value = required ? stringField(source, field, operation, true) : stringField(source, field, operation, false);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw badField(field, `must be one of ${allowed.join(', ')} (got ${quoteInput(value)})`, operation);
  return value as T;
}
