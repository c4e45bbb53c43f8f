/**
 * A hub file read by byte ranges (`Range: bytes=a-b`, answered 206) as a ByteSource
 * (../platform/byte_source.ts): the weights readers then fetch only what they read, so a
 * whole multimodal model's image tokenizer comes without the rest of its shards. The
 * readers make many small reads in a row (a zip's local headers, small tensors one after
 * another), so a read outside the last window fetches WINDOW bytes ahead. Each request
 * is tried again as a download is (../platform/retry.ts).
 */
import { VqganError } from '../core/errors.js';
import { CountingSource, type ByteSource } from '../platform/byte_source.js';
import { contentRange, readChunks } from '../platform/network.js';
import { shownUrl } from '../platform/paths.js';
import {
  retriedStatus,
  retrying,
  statusFailure,
  TransferFailure,
  type DownloadPolicy,
  type RetryObserver,
} from '../platform/retry.js';
import { absentFile, httpError, openRemote } from './http.js';

/** Bytes fetched ahead of a small read. */
export const WINDOW = 1 << 20;
/** The first request's, which learns the file's size (readers start at the end of a zip, or the start of a safetensors header). */
const FIRST_WINDOW = 1 << 16;

export interface RangeOptions {
  /** "owner/name file": the start of every message. */
  readonly label: string;
  readonly token: string | undefined;
  readonly policy: DownloadPolicy;
  readonly observer?: RetryObserver;
  /** The bytes of each answer, as it comes. */
  readonly onFetched?: (bytes: number) => void;
}

type Answer = { readonly status: 206; readonly bytes: Uint8Array; readonly total: number; } | {
  readonly status: 200 | 404;
};

/**
 * `url` as a ByteSource read by ranges; 'absent' when the hub has no such file (its 404),
 * 'no-ranges' when the server answers a range with the whole file (the caller downloads
 * it instead).
 */
export async function openRangeSource(
  url: string,
  options: RangeOptions,
): Promise<ByteSource | 'absent' | 'no-ranges'> {
  const first = await fetchRange(url, 0, FIRST_WINDOW, options);
  if (first.status !== 206) return first.status === 404 ? 'absent' : 'no-ranges';
  return new RangeSource(url, first.total, first.bytes, options);
}

class RangeSource extends CountingSource {
  private windowStart = 0;

  constructor(
    private readonly url: string,
    size: number,
    private window: Uint8Array,
    private readonly options: RangeOptions,
  ) {
    super(options.label, size);
    options.onFetched?.(window.length);
  }

  protected async readRange(offset: number, length: number): Promise<Uint8Array> {
    const at = offset - this.windowStart;
    if (at >= 0 && at + length <= this.window.length) return this.window.subarray(at, at + length);
    if (at >= 0 && at < this.window.length) {
      // The start is in the window: only the rest is fetched.
      const head = this.window.subarray(at);
      const out = new Uint8Array(length);
      out.set(head);
      out.set(await this.readRange(offset + head.length, length - head.length), head.length);
      return out;
    }
    const answer = await fetchRange(this.url, offset, Math.max(length, WINDOW), this.options);
    if (answer.status !== 206 || answer.total !== this.size) {
      throw new VqganError(
        'NETWORK',
        `${this.options.label}: ${shownUrl(this.url)} changed while it was read (HTTP ${answer.status}${
          answer.status === 206 ? `, ${answer.total} bytes, not ${this.size}` : ''
        })`,
      );
    }
    this.options.onFetched?.(answer.bytes.length);
    if (length < WINDOW) [this.window, this.windowStart] = [answer.bytes, offset];
    return answer.bytes.subarray(0, length);
  }
}

/** Up to `length` bytes from `start` (fewer at the end of the file), with the file's size. */
async function fetchRange(url: string, start: number, length: number, options: RangeOptions): Promise<Answer> {
  const { label, token, policy, observer } = options;
  return retrying({ label, policy, observer }, async (watch, received): Promise<Answer> => {
    const remote = await openRemote(url, { Range: `bytes=${start}-${start + length - 1}` }, token, label, watch);
    const { response } = remote;
    const shown = shownUrl(remote.url);
    if (retriedStatus(response.status)) throw await statusFailure(response, shown);
    if (response.status === 404) {
      await absentFile(remote, url, label);
      return { status: 404 };
    }
    if (response.status === 200) {
      await response.body?.cancel();
      return { status: 200 };
    }
    if (response.status !== 206) throw await httpError(label, remote);
    const range = contentRange(response.headers.get('Content-Range'));
    if (range.start !== start || range.total === undefined) {
      await response.body?.cancel();
      throw new VqganError(
        'NETWORK',
        `${label}: ${shown} answered ${response.headers.get('Content-Range') ?? 'no Content-Range'} to bytes=${start}-`,
      );
    }
    const expected = Math.max(0, Math.min(length, range.total - start));
    const bytes = new Uint8Array(expected);
    let n = 0;
    await readChunks(response, watch, shown, (chunk) => {
      if (n + chunk.length > expected) {
        throw new VqganError('NETWORK', `${label}: ${shown} sent more than the range asked`);
      }
      bytes.set(chunk, n);
      n += chunk.length;
      received.loaded = n;
    });
    if (n < expected) throw new TransferFailure(`connection closed early by ${shown}`);
    return { status: 206, bytes, total: range.total };
  });
}
