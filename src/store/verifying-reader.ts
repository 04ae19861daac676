/**
 * A pass-through that checks a blob's digest while it streams and holds back the last chunk
 * until the digest checks out (DESIGN §3 habit 2, §5). A corrupt blob therefore ends in an
 * error after at most all-but-one chunk, never in a clean end: piped into a response, the
 * client sees a broken body instead of a complete 200 with the wrong bytes.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { LarderError, describeError } from '../errors.js';
import { createDigester, type Digester } from '../domain/integrity.js';

export class VerifyingReader extends Transform {
  readonly #expected: string;
  readonly #digester: Digester;
  readonly #onMismatch: (actual: string) => Promise<void>;
  readonly #onVerified: () => void;
  #held: Buffer | undefined;

  /**
   * @param expected normalised SRI string the bytes must match
   * @param onMismatch runs (evicting the blob) before the stream reports the mismatch
   * @param onVerified runs when every byte matched
   */
  constructor(expected: string, onMismatch: (actual: string) => Promise<void>, onVerified: () => void = () => undefined) {
    super();
    this.#expected = expected;
    this.#digester = createDigester(expected);
    this.#onMismatch = onMismatch;
    this.#onVerified = onVerified;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#digester.update(chunk);
    const previous = this.#held;
    this.#held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.#digester.digest();
    if (actual === this.#expected) {
      this.#onVerified();
      callback(null, this.#held);
      return;
    }
    const size = this.#digester.size;
    const report = (evictionProblem?: unknown): void => {
      const evicted = evictionProblem === undefined ? 'it has been evicted' : `evicting it failed: ${describeError(evictionProblem)}`;
      callback(
        new LarderError(
          'E_INTEGRITY_MISMATCH',
          `Stored blob is corrupt: expected ${this.#expected}, got ${actual} (${size} bytes); ${evicted}`,
          { operation: 'store.read', details: { expected: this.#expected, actual, actualSize: size } },
        ),
      );
    };
    this.#onMismatch(actual).then(
      () => report(),
      (error: unknown) => report(error ?? 'unknown error'),
    );
  }
}
