/**
 * Lines of a byte stream, split on `\n` bytes (a newline byte never occurs inside a multi-byte
 * UTF-8 character, and JSON.stringify never writes a raw newline), each line decoded once it is
 * whole. A line longer than `maxBytes` ends the iteration with an error instead of growing
 * memory without bound: a metadata document is capped at a few MB when fetched, so a line of
 * `records.jsonl` far past that is damage, not data.
 */
import { RecordShapeError } from './record-lines.js';

export interface Line {
  text: string;
  /** 1-based. */
  number: number;
}

export async function* splitLines(source: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let number = 0;
  for await (const chunk of source) {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a, start); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, newline);
      const whole = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
      pending = [];
      pendingBytes = 0;
      start = newline + 1;
      number += 1;
      if (whole.length > maxBytes) throw new RecordShapeError(`line ${number} is longer than ${maxBytes} bytes`);
      if (whole.length > 0) yield { text: whole.toString('utf8'), number };
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > maxBytes) throw new RecordShapeError(`line ${number + 1} is longer than ${maxBytes} bytes`);
    }
  }
  if (pendingBytes > 0) yield { text: Buffer.concat(pending).toString('utf8'), number: number + 1 };
}
