/**
 * One hub file into `{dest}.partial` (Node, Deno): resumed with `Range: bytes=N-` when a
 * partial file is there (a 206 appends; a server that ignores the range and answers 200
 * starts over; a 416 for a partial that is already whole is fine), the sha256 checked
 * when the hub gave one (the partial's earlier bytes hashed too), a mismatch deleted.
 * The caller renames the finished partial into place, so a file in the cache is always
 * whole and checked.
 */
import { dirnameOf } from '../platform/paths.js';
import { platform, type Files } from '../platform/platform.js';
import { VqganError } from '../core/errors.js';
import { httpError, openRemote, shownUrl, type Remote } from './http.js';

/** What a download is doing, for a progress display (the CLI's bar and lines). */
export interface DownloadObserver {
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
}

export interface Downloaded {
  /** The finished, checked `{dest}.partial`, for the caller to rename. */
  readonly partial: string;
  readonly bytes: number;
  /** Whether a sha256 from the hub was checked. */
  readonly checked: boolean;
}

/** "bytes S-E/T" or "bytes * /T" (a 206's or a 416's Content-Range). */
function contentRange(value: string | null): { start: number | undefined; total: number | undefined; } {
  const m = /^bytes (?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(value?.trim() ?? '');
  if (m === null) return { start: undefined, total: undefined };
  return { start: m[1] === undefined ? undefined : Number(m[1]), total: m[2] === '*' ? undefined : Number(m[2]) };
}

function contentLength(response: Response): number | undefined {
  const encoding = response.headers.get('Content-Encoding');
  const n = Number(response.headers.get('Content-Length') ?? NaN);
  return Number.isSafeInteger(n) && n >= 0 && (encoding === null || encoding === 'identity') ? n : undefined;
}

/**
 * Downloads `url` towards `dest`; undefined when the server says 404 (the caller tries
 * the next file). Errors name the label, the address and the HTTP status.
 */
export async function downloadToPartial(
  url: string,
  dest: string,
  options: DownloadOptions,
): Promise<Downloaded | undefined> {
  const { label } = options;
  const partial = `${dest}.partial`;
  let have = (await platform().files.statPath(partial))?.size ?? 0;
  for (let attempt = 0;; attempt++) {
    const remote = await openRemote(url, have > 0 ? { Range: `bytes=${have}-` } : {}, options.token, label);
    const { response } = remote;
    const range = contentRange(response.headers.get('Content-Range'));
    if (response.status === 404) return absentFile(remote, url, label);
    if (response.status === 416 && have > 0 && (range.total ?? remote.size) === have) {
      // Nothing after byte `have`: the file is whole (an earlier run stopped before renaming it).
      await response.body?.cancel();
      const hash = remote.sha256 === undefined ? undefined : await hashOf(partial);
      return check(partial, have, remote.sha256, hash, options);
    }
    const resumes = response.status === 206 && have > 0 && range.start === have;
    if (!resumes && response.status !== 200) {
      if (response.status !== 416 && response.status !== 206) throw await httpError(label, remote);
      // A stale partial (longer than the file, or a range we did not ask for): start over, once.
      if (attempt > 0) throw await httpError(label, remote);
      await response.body?.cancel();
      await platform().files.removeFile(partial);
      have = 0;
      continue;
    }
    // 206: append to the partial; 200 (also a server that ignored the range): start over.
    return receiveAndCheck(remote, dest, resumes ? have : 0, range.total, options);
  }
}

/**
 * A 404 is the hub's answer for a file the model does not have: undefined. After a
 * redirect, or for a missing model or revision, it is an error.
 */
async function absentFile(remote: Remote, url: string, label: string): Promise<undefined> {
  const code = remote.response.headers.get('X-Error-Code');
  if (code === 'RepoNotFound' || code === 'RevisionNotFound' || remote.url !== url) {
    throw await httpError(label, remote);
  }
  await remote.response.body?.cancel();
  return undefined;
}

/**
 * Writes the body into `dest`.partial from byte `start` (0: from scratch), then checks the
 * size against the hub's, or the Content-Range `rangeTotal` of a resumed download, and the
 * hash against its sha256.
 */
async function receiveAndCheck(
  remote: Remote,
  dest: string,
  start: number,
  rangeTotal: number | undefined,
  options: DownloadOptions,
): Promise<Downloaded> {
  const { label } = options;
  const partial = `${dest}.partial`;
  const resumes = start > 0;
  const total = remote.size ?? (resumes ? rangeTotal : contentLength(remote.response));
  const hash = remote.sha256 === undefined
    ? undefined
    : resumes
    ? await hashOf(partial)
    : await platform().files.sha256Hasher();
  const size = await receive(remote, partial, start, total, hash, options);
  const end = (outcome: 'done' | 'stopped' | 'rejected'): void =>
    options.observer?.end?.({ label, dest, bytes: size, outcome });
  if (total !== undefined && size !== total) {
    end(size > total ? 'rejected' : 'stopped');
    if (size > total) await platform().files.removeFile(partial);
    throw new VqganError(
      'BAD_FORMAT',
      `${label}: got ${size} bytes from ${shownUrl(remote.url)}, expected ${total}${
        size > total ? '; the download was deleted' : '; run again to resume'
      }`,
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

/** A hasher fed with a file's bytes so far (a partial download being resumed). */
async function hashOf(path: string): Promise<Hasher> {
  const hash = await platform().files.sha256Hasher();
  for await (const chunk of platform().files.fileChunks(path)) hash.update(chunk);
  return hash;
}

/**
 * Streams the body into the partial file (appended after `start` bytes, or from empty),
 * hashing and reporting as it goes; an interruption keeps what arrived (and ends the
 * observer's download as `stopped`). The file's size at the end.
 */
async function receive(
  remote: Remote,
  partial: string,
  start: number,
  total: number | undefined,
  hash: Hasher | undefined,
  options: DownloadOptions,
): Promise<number> {
  const { observer, onProgress, label } = options;
  await platform().files.makeFolder(dirnameOf(partial));
  const file = await platform().files.openForWriting(partial, start > 0);
  const dest = partial.slice(0, -'.partial'.length);
  observer?.start?.({ label, url: remote.url, dest, total, resumeAt: start });
  let loaded = start;
  try {
    onProgress?.(loaded, total);
    observer?.progress?.(loaded, total);
    if (remote.response.body !== null) {
      const reader = remote.response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await file.write(value);
        hash?.update(value);
        loaded += value.length;
        const shown = total !== undefined && loaded > total ? undefined : total;
        onProgress?.(loaded, shown);
        observer?.progress?.(loaded, shown);
      }
    }
  } catch (err) {
    observer?.end?.({ label, dest, bytes: loaded, outcome: 'stopped' });
    if (err instanceof VqganError) throw err;
    const cause = (err as { cause?: { message?: string; }; }).cause?.message ?? (err as Error).message;
    throw new VqganError(
      'NETWORK',
      `${label}: download from ${shownUrl(remote.url)} interrupted after ${loaded}${
        total === undefined ? '' : ` of ${total}`
      } bytes (${cause}); run again to resume`,
    );
  } finally {
    await file.close();
  }
  if (total !== loaded) onProgress?.(loaded, loaded);
  return loaded;
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
