/**
 * Downloads into memory with the runtime's own fetch (Node 18+, Deno and browsers have
 * the same one): a URL's weights (../weights/load.ts) and the browsers' hub files
 * (../hub/store_cache_storage.ts). Each try is watched for stalls and made again after a
 * stall, a lost connection or HTTP 5xx/408/429 (./retry.ts), resuming with
 * `Range: bytes=N-` after the bytes already in (a server that ignores the range sends
 * the whole body again, which is taken from the start).
 */
import { VqganError, httpStatusCode } from '../core/errors.js';
import { basenameOf, shownUrl } from './paths.js';
import {
  bodyFailure,
  downloadPolicy,
  requestFailure,
  retriedStatus,
  retrying,
  statusFailure,
  TransferFailure,
  type DownloadPolicy,
  type RetryObserver,
} from './retry.js';
import type { StallWatch } from './stall_watch.js';

export type DownloadProgress = (received: number, total: number | undefined) => void;

/** A body's length from Content-Length; undefined when absent, or when the body is compressed in transit (and so longer than it says). */
export function contentLength(response: Response): number | undefined {
  const encoding = response.headers.get('Content-Encoding');
  const n = Number(response.headers.get('Content-Length') ?? NaN);
  return Number.isSafeInteger(n) && n >= 0 && (encoding === null || encoding === 'identity') ? n : undefined;
}

/** "bytes S-E/T" or "bytes * /T" (a 206's or a 416's Content-Range). */
export function contentRange(value: string | null): { start: number | undefined; total: number | undefined; } {
  const m = /^bytes (?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(value?.trim() ?? '');
  if (m === null) return { start: undefined, total: undefined };
  return { start: m[1] === undefined ? undefined : Number(m[1]), total: m[2] === '*' ? undefined : Number(m[2]) };
}

/**
 * Hands each chunk of `response`'s body to `onChunk`, kicking `watch` for each; a stall
 * (the watch aborted the fetch, which errors the body) or a lost connection is a
 * TransferFailure naming `url`. Errors of `onChunk` itself (a failed file write) pass as
 * they are.
 */
export async function readChunks(
  response: Response,
  watch: StallWatch,
  url: string,
  onChunk: (chunk: Uint8Array) => void | Promise<void>,
): Promise<void> {
  if (response.body === null) return;
  watch.kick();
  const reader = response.body.getReader();
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (err) {
      throw bodyFailure(err, watch, url);
    }
    if (chunk.done) return;
    watch.kick();
    await onChunk(chunk.value);
    watch.kick();
  }
}

export interface FetchOptions {
  /** The start of messages (default: the URL's file name). */
  readonly label?: string;
  readonly headers?: Record<string, string>;
  /**
   * Bytes so far, of the total (undefined when there is none, or when the body is longer
   * than announced); the last call has both equal.
   */
  readonly onProgress?: DownloadProgress;
  /** Default: downloadPolicy() (VQGAN_DOWNLOAD_TIMEOUT, else 10 s; 5 tries). */
  readonly policy?: DownloadPolicy;
  readonly observer?: RetryObserver;
}

/** The body of `url`; an HTTP error status is a VqganError naming it. */
export async function fetchBytes(url: string, options: FetchOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  return (await download(url, options, false))!;
}

/** The body of `url`, or undefined when it answers 404 (a hub file the model does not have). */
export async function fetchBytesOrAbsent(
  url: string,
  options: FetchOptions = {},
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  return download(url, options, true);
}

async function download(
  url: string,
  options: FetchOptions,
  absentOk: boolean,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const shown = shownUrl(url);
  const label = options.label ?? (/^https?:/i.test(url) && basenameOf(new URL(url).pathname) || shown);
  const { onProgress } = options;
  // One buffer of the announced size, so that a large file is not held twice; kept across tries.
  let buffer = new Uint8Array(0);
  const context = { label, policy: options.policy ?? downloadPolicy(), observer: options.observer };
  return retrying(context, async (watch, received) => {
    const resumeAt = received.loaded;
    // The bytes as stored: no transfer compression (a gzip body would inflate without a
    // bound, and byte ranges count stored bytes). Browsers set this header themselves.
    const asStored = { 'Accept-Encoding': 'identity', ...options.headers };
    const headers = resumeAt > 0 ? { ...asStored, Range: `bytes=${resumeAt}-` } : asStored;
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: watch.signal });
    } catch (err) {
      throw requestFailure(err, watch, shown);
    }
    watch.kick();
    if (absentOk && response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (retriedStatus(response.status)) throw await statusFailure(response, shown);
    // A page cannot read a cross-origin Content-Range the server does not expose: a 206 to
    // `bytes=N-` is then taken for what was asked (a single range starting at N).
    const range = contentRange(response.headers.get('Content-Range'));
    const resumes = resumeAt > 0 && response.status === 206 && (range.start ?? resumeAt) === resumeAt;
    if (!resumes && response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      throw new VqganError(
        response.ok ? 'NETWORK' : httpStatusCode(response.status),
        `${label}: ${status} from ${shown}${response.ok ? ' (not the range asked for)' : ''}`,
      );
    }
    if (!resumes) received.loaded = 0; // a whole body: from the start
    received.total = resumes ? range.total ?? received.total : contentLength(response);
    let total = received.total;
    if (buffer.length < (total ?? 0)) buffer = grown(buffer, received.loaded, total!);
    onProgress?.(received.loaded, total);
    await readChunks(response, watch, shown, (chunk) => {
      const end = received.loaded + chunk.length;
      if (total !== undefined && end > total) total = undefined; // longer than announced
      if (end > buffer.length) buffer = grown(buffer, received.loaded, Math.max(2 * buffer.length, end, 1 << 20));
      buffer.set(chunk, received.loaded);
      received.loaded = end;
      onProgress?.(end, total);
    });
    if (total !== undefined && received.loaded < total) {
      throw new TransferFailure(`connection closed early by ${shown}`);
    }
    if (total !== received.loaded) onProgress?.(received.loaded, received.loaded);
    return received.loaded === buffer.length ? buffer : buffer.slice(0, received.loaded);
  });
}

/** `buffer`'s first `used` bytes in a buffer of `size`. */
function grown(buffer: Uint8Array<ArrayBuffer>, used: number, size: number): Uint8Array<ArrayBuffer> {
  const bigger = new Uint8Array(size);
  bigger.set(buffer.subarray(0, used));
  return bigger;
}
