/**
 * A multipart/form-data upload read as it streams (twine's legacy upload API): the text fields
 * first, collected under caps, then one file handed over as a stream for the caller to pipe into
 * the store — never held whole. The file waits (backpressure up to the client) until the caller
 * reads it, so the caller can check the fields and run its guard before any byte is stored.
 *
 * Whatever happens, the request is left consumed or destroyed: `abandon()` drains what the client
 * is still sending (so it reads the answer instead of a reset), and a client that goes away
 * mid-file errors the file stream, which discards the store's write.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { LarderError, quoteInput } from '../errors.js';

export interface FormLimits {
  /** The largest one text field may be (a README as `description` is the big one). */
  fieldBytes: number;
  /** All text fields together. */
  totalFieldBytes: number;
  /** Parts (fields and files) in one form. */
  parts: number;
  /** The largest file part the form may carry besides the upload, read and dropped (a signature). */
  ignoredFileBytes: number;
}

export interface StreamFormOptions {
  /** The part that carries the upload. */
  fileField: string;
  /** File parts before it that are read and dropped (twine's `gpg_signature`). */
  ignoredFileFields: readonly string[];
  limits: FormLimits;
}

export interface FormHead {
  /** The text fields before the file, by name, values in the order they came. */
  fields: Map<string, string[]>;
  /** The upload; absent when the form ended without one. */
  file?: { filename: string; stream: Readable };
}

export interface StreamedForm {
  /** Settles when the upload's file part starts (or the form ends without one). */
  head: Promise<FormHead>;
  /** Settles when the whole form is read (after the file was consumed): rejects on a second file. */
  done: Promise<void>;
  /** Why the form was refused or broke off, once it was. */
  readonly failure: LarderError | undefined;
  /** Stops reading the form; the request is drained, or already gone. */
  abandon(): void;
}

const OPERATION = 'http.multipart';

function badForm(message: string): LarderError {
  return new LarderError('E_BAD_REQUEST', message, { operation: OPERATION });
}

/** `http.`: a client's request over a limit is a 413 (status.ts). */
function tooLarge(message: string): LarderError {
  return new LarderError('E_TOO_LARGE', message, { operation: OPERATION });
}

function openParser(req: IncomingMessage, limits: FormLimits): busboy.Busboy {
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*(;|$)/i.test(type)) {
    throw badForm(`an upload is a multipart/form-data POST (as twine sends it), not ${quoteInput(type === '' ? 'no Content-Type' : type, 80)}`);
  }
  try {
    return busboy({ headers: req.headers, limits: { fieldSize: limits.fieldBytes, parts: limits.parts, fieldNameSize: 200 } });
  } catch (error) {
    // busboy refuses a multipart type without a usable boundary.
    throw badForm(`the multipart/form-data body cannot be read: ${(error as Error).message}`);
  }
}

/** Reads `req` as a form; throws E_BAD_REQUEST at once when it is no multipart/form-data body. */
export function streamForm(req: IncomingMessage, options: StreamFormOptions): StreamedForm {
  const { limits } = options;
  const parser = openParser(req, limits);
  const fields = new Map<string, string[]>();
  let textBytes = 0;
  let file: FormHead['file'];
  let failure: LarderError | undefined;

  let settleHead: (head: FormHead) => void = () => undefined;
  let failHead: (error: LarderError) => void = () => undefined;
  const head = new Promise<FormHead>((resolve, reject) => ((settleHead = resolve), (failHead = reject)));
  let settleDone: () => void = () => undefined;
  let failDone: (error: LarderError) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => ((settleDone = resolve), (failDone = reject)));
  // Each is awaited on the paths that need it; a failure nobody awaits any more is no crash.
  head.catch(() => undefined);
  done.catch(() => undefined);

  const fail = (error: LarderError): void => {
    if (failure !== undefined) return;
    failure = error;
    failHead(error);
    failDone(error);
    // Destroys the file stream being read too: the store's write of it is discarded.
    parser.destroy(error);
  };

  parser.on('field', (name, value, info) => {
    if (info.nameTruncated || info.valueTruncated) {
      fail(tooLarge(`the form field ${quoteInput(name, 60)} is larger than the ${limits.fieldBytes} bytes larder takes for one field`));
      return;
    }
    textBytes += name.length + Buffer.byteLength(value);
    if (textBytes > limits.totalFieldBytes) {
      fail(tooLarge(`the form's text fields are larger than the ${limits.totalFieldBytes} bytes larder takes in all`));
      return;
    }
    if (file !== undefined) return; // after the file: nothing there can change what was checked
    const values = fields.get(name);
    if (values === undefined) fields.set(name, [value]);
    else values.push(value);
  });

  parser.on('file', (name, stream, info) => {
    if (file === undefined && name === options.fileField) {
      file = { filename: info.filename ?? '', stream };
      // Registered before any reader's: busboy ends a file cut short with a plain Error, which is
      // the form's failure (the store's own errors are LarderErrors and stay the store's).
      stream.on('error', (error) => {
        if (!(error instanceof LarderError)) fail(badForm(`the multipart/form-data body broke off in the file (${error.message})`));
      });
      settleHead({ fields, file });
      return;
    }
    // A part read and dropped: failing the form destroys it with that failure, already recorded.
    stream.on('error', () => undefined);
    if (file !== undefined) {
      stream.resume();
      fail(badForm(`the form carries a second file (${quoteInput(name, 60)}) after "${options.fileField}"; one upload is one file`));
      return;
    }
    if (!options.ignoredFileFields.includes(name)) {
      stream.resume();
      fail(badForm(`the form has a file part ${quoteInput(name, 60)}; larder reads only the file named "${options.fileField}"`));
      return;
    }
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.ignoredFileBytes) fail(tooLarge(`the form part ${quoteInput(name, 60)} is larger than the ${limits.ignoredFileBytes} bytes larder reads of it`));
    });
  });

  parser.on('partsLimit', () => fail(tooLarge(`the form has more than ${limits.parts} parts`)));
  parser.on('error', (error: unknown) => {
    fail(error instanceof LarderError ? error : badForm(`the multipart/form-data body is malformed (${error instanceof Error ? error.message : String(error)})`));
  });
  parser.on('finish', () => {
    if (failure !== undefined) return;
    settleHead({ fields, ...(file === undefined ? {} : { file }) });
    settleDone();
  });

  const gone = (): void => {
    if (!req.complete) fail(badForm('the client closed the connection before the upload was complete; nothing was stored'));
  };
  req.once('close', gone);
  // Node emits an error on an aborted request only to listeners; `close` follows and says the rest.
  req.once('error', gone);
  req.pipe(parser);

  return {
    head,
    done,
    get failure() {
      return failure;
    },
    abandon: () => {
      req.unpipe(parser);
      fail(badForm('the upload was refused'));
      drain(req);
    },
  };
}

/**
 * A refused request's body is read to the end and dropped, so that a client still sending (twine
 * sends the whole file before it reads a byte of the answer) gets the answer, not a reset.
 */
export function drain(req: IncomingMessage): void {
  if (!req.complete && !req.destroyed) req.resume();
}
