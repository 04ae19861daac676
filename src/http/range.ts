/** HTTP Range (RFC 9110 §14): one byte range; several ranges are answered with the whole body. */

export type RangeRequest = { kind: 'none' } | { kind: 'unsatisfiable' } | { kind: 'range'; start: number; end: number };

export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'none' };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Other units, several ranges or nonsense: a server may ignore Range and send everything.
  if (match === null) return { kind: 'none' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'none' };
  // An empty body has no byte to send, whatever was asked.
  if (size === 0) return { kind: 'unsatisfiable' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  // A last position before the first is an invalid range-spec: ignored (RFC 9110 §14.1.1).
  if (last !== '' && Number(last) < start) return { kind: 'none' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (!Number.isSafeInteger(start) || start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end };
}
