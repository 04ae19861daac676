/**
 * Per-origin circuit breaker. After `threshold` consecutive failures larder stops calling that
 * origin for `cooldownMs`, so an outage costs no per-request timeouts; then one probe request
 * is let through, and its result closes or reopens the breaker.
 */
import { LarderError } from '../errors.js';

interface OriginState {
  failures: number;
  openUntil: number;
  /** When the one probe after a cool-down was let through (0: none in flight). */
  probeSince: number;
  lastError: string;
}

/** Failures that mean the origin itself is unwell; anything else means it answered. */
export function isOriginFailure(error: LarderError): boolean {
  return error.code === 'E_UPSTREAM_UNREACHABLE' || error.code === 'E_UPSTREAM_TIMEOUT';
}

/** The longest pause an upstream's Retry-After can impose: past it, one probe goes through anyway. */
export const MAX_REQUESTED_PAUSE_MS = 10 * 60 * 1000;

/** Retry-After as milliseconds from `now`: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d{1,9}$/.test(value)) return Number(value) * 1000;
  // An HTTP date names a weekday and a month; Date.parse alone takes "-5" for a year.
  const at = /[a-z]{3}/i.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface BreakerOptions {
  threshold: number;
  cooldownMs: number;
  now?: () => number;
  /** Told once each time the breaker opens (or a probe fails), for the log. */
  onOpen?: (origin: string, failures: number, reason: string) => void;
}

export class OriginBreaker {
  readonly #states = new Map<string, OriginState>();
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  readonly #onOpen: BreakerOptions['onOpen'];

  constructor(options: BreakerOptions) {
    this.#onOpen = options.onOpen;
    this.#threshold = Math.max(1, options.threshold);
    this.#cooldownMs = options.cooldownMs;
    this.#now = options.now ?? Date.now;
  }

  /** Throws E_UPSTREAM_COOLDOWN while the origin is cooling down; lets one probe through after. */
  admit(origin: string): void {
    const state = this.#states.get(origin);
    if (state === undefined || state.failures < this.#threshold) return;
    const now = this.#now();
    // A probe whose outcome never came back (a bug, a lost promise) must not keep the breaker
    // open for good: after another cool-down a new probe goes through.
    const probeLost = state.probeSince !== 0 && now >= state.probeSince + this.#cooldownMs;
    if (now >= state.openUntil && (state.probeSince === 0 || probeLost)) {
      state.probeSince = now;
      return;
    }
    const seconds = Math.max(1, Math.ceil((state.openUntil - now) / 1000));
    throw new LarderError(
      'E_UPSTREAM_COOLDOWN',
      `${origin} failed ${state.failures} times in a row (last: ${state.lastError}); larder is not calling it for ${seconds} s more`,
      { operation: 'upstream.breaker', details: { origin, failures: state.failures, retryInSeconds: seconds } },
    );
  }

  succeeded(origin: string): void {
    this.#states.delete(origin);
  }

  /**
   * Any HTTP answer: a 5xx or 429 is a failure of the origin, anything else shows it is up. A
   * 429 or 503 that says when to come back (Retry-After) opens the breaker until then at once,
   * up to MAX_REQUESTED_PAUSE_MS: the upstream asked not to be called, and larder does not.
   */
  recordResponse(origin: string, status: number, retryAfterMs?: number): void {
    if (status < 500 && status !== 429) {
      this.succeeded(origin);
      return;
    }
    this.failed(origin, `HTTP ${status}`);
    if ((status === 429 || status === 503) && retryAfterMs !== undefined && retryAfterMs > 0) {
      const state = this.#states.get(origin);
      if (state === undefined) return;
      state.failures = Math.max(state.failures, this.#threshold);
      state.openUntil = Math.max(state.openUntil, this.#now() + Math.min(retryAfterMs, MAX_REQUESTED_PAUSE_MS));
    }
  }

  /** A request that threw: transport failures count against the origin; the rest do not. */
  recordError(origin: string, error: LarderError): void {
    if (isOriginFailure(error)) this.failed(origin, error.message);
    else this.succeeded(origin);
  }

  failed(origin: string, reason: string): void {
    const state = this.#states.get(origin) ?? { failures: 0, openUntil: 0, probeSince: 0, lastError: reason };
    state.failures += 1;
    state.lastError = reason;
    state.probeSince = 0;
    this.#states.set(origin, state);
    if (state.failures >= this.#threshold) {
      state.openUntil = this.#now() + this.#cooldownMs;
      this.#onOpen?.(origin, state.failures, reason);
    }
  }

  /** Read-only view for management: open while cooling down; the last failure while any are counted. */
  status(origin: string): { open: boolean; lastError?: string } {
    const state = this.#states.get(origin);
    return state === undefined ? { open: false } : { open: this.isOpen(origin), lastError: state.lastError };
  }

  isOpen(origin: string): boolean {
    const state = this.#states.get(origin);
    return state !== undefined && state.failures >= this.#threshold && this.#now() < state.openUntil;
  }
}
