/**
 * Tries of a download, as huggingface_hub makes them: a try that stalls (no data for
 * `stallMs`, ./stall_watch.ts), loses its connection, or gets HTTP 5xx, 408 or 429 is
 * made again after 1 s, 2 s, 4 s… (`backoffMs` doubled, at most MAX_BACKOFF_MS), up to
 * `tries` in all; the caller's try resumes from the bytes it already has. Other HTTP
 * errors are final at once, and so is a first request that fails outright (refused, a
 * bad port or address: no server there, and waiting would not help) unless the failure
 * is a transient one (a reset, a timeout). After the last try the error says what failed, how
 * many tries were made and how many bytes had come.
 */
import { VqganError } from '../core/errors.js';
import { envVar } from './runtime.js';
import { StallWatch } from './stall_watch.js';

export interface DownloadPolicy {
  /** A try is aborted after this long (ms) without data: waiting for the response, or for the next chunk of its body. */
  readonly stallMs: number;
  /** Tries in all (1: none again). */
  readonly tries: number;
  /** The wait (ms) before the second try, doubled before each next one. */
  readonly backoffMs: number;
}

/** How the API sets the policy (seconds, as huggingface_hub's timeouts); each left out has its default. */
export interface RetryOptions {
  /** Seconds without data before a try is aborted; default VQGAN_DOWNLOAD_TIMEOUT, else 10. */
  readonly downloadTimeout?: number;
  /** Tries in all; default 5. */
  readonly downloadTries?: number;
  /** Seconds before the second try, doubled for each next one (at most 30 s); default 1. */
  readonly retryDelay?: number;
}

export const DEFAULT_POLICY: DownloadPolicy = { stallMs: 10_000, tries: 5, backoffMs: 1000 };
export const MAX_BACKOFF_MS = 30_000;
export const TIMEOUT_VARIABLE = 'VQGAN_DOWNLOAD_TIMEOUT';

function positive(value: number, what: string, integer = false): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new VqganError(
      'BAD_ARGUMENT',
      `${what} ${value}: expected ${integer ? 'a whole number above 0' : 'a number of seconds above 0'}`,
    );
  }
  return value;
}

/** The options over VQGAN_DOWNLOAD_TIMEOUT over the defaults; a bad value is a BAD_ARGUMENT error naming it. */
export function downloadPolicy(options: RetryOptions = {}): DownloadPolicy {
  let seconds = options.downloadTimeout;
  if (seconds !== undefined) positive(seconds, 'downloadTimeout');
  else {
    const text = envVar(TIMEOUT_VARIABLE);
    if (text !== undefined) {
      seconds = /^\s*[\d.]+(?:e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : NaN;
      if (!(seconds > 0) || !Number.isFinite(seconds)) {
        throw new VqganError('BAD_ARGUMENT', `${TIMEOUT_VARIABLE}=${text}: expected a number of seconds above 0`);
      }
    }
  }
  return {
    stallMs: seconds === undefined ? DEFAULT_POLICY.stallMs : seconds * 1000,
    tries: options.downloadTries === undefined
      ? DEFAULT_POLICY.tries
      : positive(options.downloadTries, 'downloadTries', true),
    backoffMs: options.retryDelay === undefined
      ? DEFAULT_POLICY.backoffMs
      : positive(options.retryDelay, 'retryDelay') * 1000,
  };
}

/** "10 s", "0.3 s". */
export const secondsText = (ms: number): string => `${Math.round(ms) / 1000} s`;

/** What a display hears of the tries (the CLI's bar): extended by the hub's DownloadObserver. */
export interface RetryObserver {
  /** No data for `ms` so far in this try (from 2 s or half the timeout on, about every second). */
  stalled?(event: { label: string; ms: number; }): void;
  /** A try failed (`cause`); try `next` of `tries` starts after `delayMs`. */
  retry?(event: {
    label: string;
    cause: string;
    loaded: number;
    total: number | undefined;
    next: number;
    tries: number;
    delayMs: number;
  }): void;
}

/**
 * A try's failure, worth another try: `message` says what happened and where ("no data
 * for 10 s from URL"). `notFirst`: final when it is the first try's (a request that
 * fails outright before anything answered, refused or worse, means no server there).
 */
export class TransferFailure extends Error {
  constructor(message: string, readonly notFirst = false) {
    super(message);
    this.name = 'TransferFailure';
  }
}

/** Request failures that a moment may mend, even on the first try (Node's and undici's codes). */
const TRANSIENT = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** The system's word for a failed request or read ("ECONNRESET", "other side closed"). */
export function why(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: string; }; }).cause;
  if (typeof cause?.code === 'string' && /^E[A-Z]+$/.test(cause.code)) return cause.code;
  return cause?.message ?? (err as Error)?.message ?? String(err);
}

/** fetch() rejected: the watch aborted it (a stall), or the connection failed. */
export function requestFailure(err: unknown, watch: StallWatch, url: string): TransferFailure {
  if (watch.stalled) return new TransferFailure(`no data for ${secondsText(watch.stallMs)} from ${url}`);
  const code = (err as { cause?: { code?: unknown; }; }).cause?.code;
  return new TransferFailure(
    `request to ${url} failed (${why(err)})`,
    typeof code !== 'string' || !TRANSIENT.has(code),
  );
}

/** A body read rejected: a stall, or the connection lost mid-body. */
export function bodyFailure(err: unknown, watch: StallWatch, url: string): TransferFailure {
  if (watch.stalled) return new TransferFailure(`no data for ${secondsText(watch.stallMs)} from ${url}`);
  return new TransferFailure(`connection reset by ${url} (${why(err)})`);
}

/** HTTP statuses worth another try: the server's trouble, a timeout, or "too many requests". */
export function retriedStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** A retriedStatus() answer: "HTTP 503 Service Unavailable from URL (the hub's X-Error-Message)". */
export async function statusFailure(response: Response, url: string): Promise<TransferFailure> {
  const said = response.headers.get('X-Error-Message');
  await response.body?.cancel().catch(() => undefined);
  return new TransferFailure(
    `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} from ${url}${
      said ? ` (${said})` : ''
    }`,
  );
}

/** Bytes of the download so far, which a try keeps up to date for the messages. */
export interface Received {
  loaded: number;
  total: number | undefined;
}

export interface RetryContext {
  /** "owner/name file" or the URL's file name: the start of the final message. */
  readonly label: string;
  readonly policy: DownloadPolicy;
  readonly observer?: RetryObserver;
  /** Said at the end of the final message, e.g. "run again to resume". */
  readonly hint?: string;
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it returns, each time with a fresh StallWatch (stopped when the
 * try ends). A TransferFailure it throws is tried again when it may be; any other error
 * (a VqganError: a 404, a checksum mismatch) passes through at once.
 */
export async function retrying<T>(
  context: RetryContext,
  attempt: (watch: StallWatch, received: Received) => Promise<T>,
): Promise<T> {
  const { label, policy, observer } = context;
  const received: Received = { loaded: 0, total: undefined };
  for (let n = 1;; n++) {
    const watch = new StallWatch(policy.stallMs, (ms) => observer?.stalled?.({ label, ms }));
    let failure: TransferFailure;
    try {
      return await attempt(watch, received);
    } catch (err) {
      if (!(err instanceof TransferFailure)) throw err;
      failure = err;
    } finally {
      watch.stop();
    }
    if (n >= policy.tries || (failure.notFirst && n === 1)) {
      throw finalError(context, failure, n, received);
    }
    const delayMs = Math.min(policy.backoffMs * 2 ** (n - 1), MAX_BACKOFF_MS);
    observer?.retry?.({ label, cause: failure.message, ...received, next: n + 1, tries: policy.tries, delayMs });
    await wait(delayMs);
  }
}

/** "LABEL: CAUSE; gave up after 5 tries, 1024 of 2048 bytes received (run again to resume)". */
function finalError(context: RetryContext, failure: TransferFailure, tries: number, got: Received): VqganError {
  const bytes = `${got.loaded}${got.total === undefined ? '' : ` of ${got.total}`} bytes received`;
  const after = tries > 1 ? `; gave up after ${tries} tries, ${bytes}` : got.loaded > 0 ? `; ${bytes}` : '';
  const hint = context.hint !== undefined && got.loaded > 0 ? ` (${context.hint})` : '';
  return new VqganError('NETWORK', `${context.label}: ${failure.message}${after}${hint}`);
}
