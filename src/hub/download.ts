/**
 * One hub file into `{dest}.partial` (Node, Deno): resumed with `Range: bytes=N-` when a
 * partial file is there (a 206 appends; a server that ignores the range and answers 200
 * starts over; a 416 for a partial that is already whole is fine), the sha256 checked
 * when the hub gave one (the partial's earlier bytes hashed too), a mismatch deleted.
 * The caller renames the finished partial into place, so a file in the cache is always
 * whole and checked. A try that stalls, loses its connection or gets HTTP 5xx is made
 * again (../platform/retry.ts) through the same resume: the bytes in the partial file
 * are where the next try starts, in this run or the next.
 */
import { contentLength, contentRange, readChunks } from '../platform/network.js';
import { dirnameOf, shownUrl } from '../platform/paths.js';
import { platform, type Files } from '../platform/platform.js';
import {
  retriedStatus,
  retrying,
  statusFailure,
  TransferFailure,
  type DownloadPolicy,
  type Received,
  type RetryObserver,
} from '../platform/retry.js';
import type { StallWatch } from '../platform/stall_watch.js';
import { VqganError } from '../core/errors.js';
import { absentFile, openRemote, httpError, type Remote } from './http.js';

/**
 * What a download is doing, for a progress display (the CLI's bar and lines): each try
 * that gets an answer starts (and resumes at the bytes there), and a failed one is
 * followed by `retry` (or, after the last, by `end` and the error); `stalled` while no
 * data comes.
 */
export interface DownloadObserver extends RetryObserver {
  /** The server answered and bytes are coming; `resumeAt` bytes were already there. */
  start?(event: { label: string; url: string; dest: string; total: number | undefined; resumeAt: number; }): void;
  progress?(loaded: number, total: number | undefined): void;
  /**
   * The download ended: `done` (whole and checked), `stopped` (interrupted: the partial
   * file stays for the next run) or `rejected` (wrong size or checksum: deleted). An
   * error follows the last two.
   */
  end?(event: { label: string; dest: string; bytes: number; outcome: 'done' | 'stopped' | 'rejected'; }): void;
}

export interface DownloadOptions {
  /** "owner/name file": the start of every message. */
  readonly label: string;
  readonly token: string | undefined;
  readonly observer?: DownloadObserver;
  /** Bytes in so far (resumed bytes included), of the total; the last call has both equal. */
  readonly onProgress?: (loaded: number, total: number | undefined) => void;
  readonly policy: DownloadPolicy;
}

export interface Downloaded {
  /** The finished, checked `{dest}.partial`, for the caller to rename. */
  readonly partial: string;
  readonly bytes: number;
  /** Whether a sha256 from the hub was checked. */
  readonly checked: boolean;
}

/** Whether the observer saw a download start that has not ended yet. */
interface Track {
  open: boolean;
}

/**
 * Downloads `url` towards `dest`; undefined when the server says 404 (the caller tries
 * the next file). Errors name the label, the address and the HTTP status; after the last
 * try, the cause, the tries and the bytes in.
 */
export async function downloadToPartial(
  url: string,
  dest: string,
  options: DownloadOptions,
): Promise<Downloaded | undefined> {
  const { label, observer, policy } = options;
  const track: Track = { open: false };
  try {
    return await retrying(
      { label, policy, observer, hint: 'run again to resume' },
      (watch, received) => tryOnce(url, dest, options, watch, received, track),
    );
  } catch (err) {
    if (track.open) observer?.end?.({ label, dest, bytes: await sizeOf(`${dest}.partial`), outcome: 'stopped' });
    throw err;
  }
}

const sizeOf = async (path: string): Promise<number> => (await platform().files.statPath(path))?.size ?? 0;

/** One try: from the bytes the partial file holds (none: from the start). */
async function tryOnce(
  url: string,
  dest: string,
  options: DownloadOptions,
  watch: StallWatch,
  received: Received,
  track: Track,
): Promise<Downloaded | undefined> {
  const { label } = options;
  const partial = `${dest}.partial`;
  let have = await sizeOf(partial);
  received.loaded = have;
  for (let attempt = 0;; attempt++) {
    const remote = await openRemote(url, have > 0 ? { Range: `bytes=${have}-` } : {}, options.token, label, watch);
    const { response } = remote;
    if (retriedStatus(response.status)) throw await statusFailure(response, shownUrl(remote.url));
    const range = contentRange(response.headers.get('Content-Range'));
    if (response.status === 404) return absentFile(remote, url, label);
    if (response.status === 416 && have > 0 && (range.total ?? remote.size) === have) {
      // Nothing after byte `have`: the file is whole (an earlier run stopped before renaming it).
      await response.body?.cancel();
      const hash = remote.sha256 === undefined ? undefined : await hashOf(partial, watch);
      return check(partial, have, remote.sha256, hash, options);
    }
    const resumes = response.status === 206 && have > 0 && range.start === have;
    if (!resumes && response.status !== 200) {
      if (response.status !== 416 && response.status !== 206) throw await httpError(label, remote);
      // A stale partial (longer than the file, or a range we did not ask for): start over, once.
      if (attempt > 0) throw await httpError(label, remote);
      await response.body?.cancel();
      await platform().files.removeFile(partial);
      have = received.loaded = 0;
      continue;
    }
    // 206: append to the partial; 200 (also a server that ignored the range): start over.
    const at = { remote, dest, start: resumes ? have : 0, rangeTotal: range.total, watch, received, track };
    return receiveAndCheck(at, options);
  }
}

/** Where one try's body goes, and what it updates. */
interface Receiving {
  readonly remote: Remote;
  readonly dest: string;
  /** Bytes kept in the partial file (0: from scratch). */
  readonly start: number;
  /** A resumed download's total, from its Content-Range. */
  readonly rangeTotal: number | undefined;
  readonly watch: StallWatch;
  readonly received: Received;
  readonly track: Track;
}

/**
 * Writes the body into `dest`.partial from byte `start` (0: from scratch), then checks the
 * size against the hub's, or the Content-Range `rangeTotal` of a resumed download, and the
 * hash against its sha256. A body that ends short is a failed try (the next resumes).
 */
async function receiveAndCheck(at: Receiving, options: DownloadOptions): Promise<Downloaded> {
  const { label } = options;
  const { remote, dest, start, track } = at;
  const partial = `${dest}.partial`;
  const resumes = start > 0;
  const total = remote.size ?? (resumes ? at.rangeTotal : contentLength(remote.response));
  at.received.total = total;
  const hash = remote.sha256 === undefined
    ? undefined
    : resumes
    ? await hashOf(partial, at.watch)
    : await platform().files.sha256Hasher();
  const size = await receive(at, total, hash, options);
  const end = (outcome: 'done' | 'rejected'): void => {
    track.open = false;
    options.observer?.end?.({ label, dest, bytes: size, outcome });
  };
  if (total !== undefined && size < total) {
    throw new TransferFailure(`connection closed early by ${shownUrl(remote.url)}`);
  }
  if (total !== undefined && size > total) {
    end('rejected');
    await platform().files.removeFile(partial);
    throw new VqganError(
      'BAD_FORMAT',
      `${label}: got ${size} bytes from ${shownUrl(remote.url)}, expected ${total}; the download was deleted`,
    );
  }
  try {
    const checked = await check(partial, size, remote.sha256, hash, options);
    end('done');
    return checked;
  } catch (err) {
    end('rejected');
    throw err;
  }
}

type Hasher = Awaited<ReturnType<Files['sha256Hasher']>>;

/** A hasher fed with a file's bytes so far (a partial download being resumed); `watch` holds meanwhile. */
async function hashOf(path: string, watch: StallWatch): Promise<Hasher> {
  watch.hold();
  const hash = await platform().files.sha256Hasher();
  for await (const chunk of platform().files.fileChunks(path)) hash.update(chunk);
  return hash;
}

/**
 * Streams the body into the partial file (appended after `start` bytes, or from empty),
 * hashing and reporting as it goes; an interruption keeps what arrived, for the next
 * try. The file's size at the end.
 */
async function receive(
  at: Receiving,
  total: number | undefined,
  hash: Hasher | undefined,
  options: DownloadOptions,
): Promise<number> {
  const { observer, onProgress, label } = options;
  const { remote, dest, start, received } = at;
  const partial = `${dest}.partial`;
  await platform().files.makeFolder(dirnameOf(partial));
  const file = await platform().files.openForWriting(partial, start > 0);
  observer?.start?.({ label, url: remote.url, dest, total, resumeAt: start });
  at.track.open = true;
  received.loaded = start;
  try {
    onProgress?.(start, total);
    observer?.progress?.(start, total);
    await readChunks(remote.response, at.watch, shownUrl(remote.url), async (chunk) => {
      await file.write(chunk);
      hash?.update(chunk);
      received.loaded += chunk.length;
      const shown = total !== undefined && received.loaded > total ? undefined : total;
      onProgress?.(received.loaded, shown);
      observer?.progress?.(received.loaded, shown);
    });
  } finally {
    await file.close();
  }
  if (total === undefined) onProgress?.(received.loaded, received.loaded);
  return received.loaded;
}

/** Compares the hash with the hub's sha256, if it gave one; a mismatch deletes the partial. */
async function check(
  partial: string,
  bytes: number,
  expected: string | undefined,
  hash: Hasher | undefined,
  options: DownloadOptions,
): Promise<Downloaded> {
  if (expected === undefined || hash === undefined) return { partial, bytes, checked: false };
  const actual = hash.hex();
  if (actual !== expected) {
    await platform().files.removeFile(partial);
    throw new VqganError(
      'BAD_FORMAT',
      `${options.label}: checksum mismatch: expected sha256 ${expected}, got ${actual}; the download was deleted (run again to retry)`,
    );
  }
  return { partial, bytes, checked: true };
}
