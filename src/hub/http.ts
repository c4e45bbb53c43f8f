/**
 * One GET of a hub file with its redirects followed by hand (Node and Deno: fetch with
 * `redirect: 'manual'` hands over the 3xx response and its headers). The hub answers a
 * large (LFS) file with a redirect to a CDN carrying `X-Linked-Etag` (the file's sha256)
 * and `X-Linked-Size`; a small file answers 200 with an `ETag` (a git sha1, which is
 * not used; a 64-hex ETag is taken for a sha256). The token goes only to the origin of
 * the first URL.
 */
import { VqganError, httpStatusCode } from '../core/errors.js';
import { shownUrl } from '../platform/paths.js';
import { requestFailure } from '../platform/retry.js';
import type { StallWatch } from '../platform/stall_watch.js';

export interface Remote {
  /** The last response: not a redirect. Its body is unread. */
  readonly response: Response;
  /** The URL that gave it. */
  readonly url: string;
  /** The file's sha256 (lowercase hex) when the hub said it. */
  readonly sha256: string | undefined;
  /** The file's size when the hub said it (X-Linked-Size). */
  readonly size: number | undefined;
}

export const MAX_REDIRECTS = 5;

/** The 64-hex sha256 inside an ETag-like header value (`"…"`, `W/"…"`), else undefined. */
export function sha256Of(value: string | null): string | undefined {
  const m = /^(?:W\/)?"?([0-9a-f]{64})"?$/i.exec(value?.trim() ?? '');
  return m === null ? undefined : m[1]!.toLowerCase();
}

function sizeOf(value: string | null): number | undefined {
  const n = value === null || !/^\d+$/.test(value.trim()) ? NaN : Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * GETs `url` with `headers` (and the bearer `token` on the first URL's origin), following
 * up to MAX_REDIRECTS redirects, relative or absolute. `label` ("owner/name file") starts
 * every error message. `watch` aborts a request that stalls; a failed request is a
 * TransferFailure (../platform/retry.ts), for the caller's retries.
 */
export async function openRemote(
  url: string,
  headers: Record<string, string>,
  token: string | undefined,
  label: string,
  watch: StallWatch,
): Promise<Remote> {
  const origin = new URL(url).origin;
  let current = url;
  let sha256: string | undefined;
  let size: number | undefined;
  for (let hop = 0;; hop++) {
    const sameOrigin = new URL(current).origin === origin;
    const sent: Record<string, string> = { 'Accept-Encoding': 'identity', ...headers };
    if (token !== undefined && sameOrigin) sent.Authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(current, { headers: sent, redirect: 'manual', signal: watch.signal });
    } catch (err) {
      throw requestFailure(err, watch, shownUrl(current));
    }
    watch.kick();
    sha256 ??= sha256Of(response.headers.get('X-Linked-Etag'))
      ?? (sameOrigin ? sha256Of(response.headers.get('ETag')) : undefined);
    size ??= sizeOf(response.headers.get('X-Linked-Size'));
    if (![301, 302, 303, 307, 308].includes(response.status)) return { response, url: current, sha256, size };
    await response.body?.cancel();
    const location = response.headers.get('Location');
    if (location === null) {
      throw new VqganError('NETWORK', `${label}: HTTP ${response.status} from ${shownUrl(current)} without a Location`);
    }
    if (hop === MAX_REDIRECTS) {
      throw new VqganError('NETWORK', `${label}: more than ${MAX_REDIRECTS} redirects from ${shownUrl(url)}`);
    }
    const next = new URL(location, current);
    if (next.protocol !== 'https:' && next.protocol !== 'http:') {
      throw new VqganError('NETWORK', `${label}: redirect from ${shownUrl(current)} to a ${next.protocol} address`);
    }
    current = next.toString();
  }
}

/** "HTTP 401 Unauthorized from URL", with the hub's own explanation and a hint where it helps. */
export async function httpError(label: string, remote: Remote): Promise<VqganError> {
  const { response } = remote;
  const said = response.headers.get('X-Error-Message');
  await response.body?.cancel().catch(() => undefined);
  const hint = response.status === 401 || response.status === 403
    ? '; a private or gated model (set HF_TOKEN), or no such model'
    : '';
  return new VqganError(
    httpStatusCode(response.status),
    `${label}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} from ${
      shownUrl(remote.url)
    }${said ? ` (${said})` : ''}${hint}`,
  );
}

/**
 * A 404 for a file the model lacks: undefined, for the caller to try the next name. The
 * hub's 404 for a missing repository or revision, or a 404 after a redirect, is an error.
 */
export async function absentFile(remote: Remote, url: string, label: string): Promise<undefined> {
  const code = remote.response.headers.get('X-Error-Code');
  if (code === 'RepoNotFound' || code === 'RevisionNotFound' || remote.url !== url) {
    throw await httpError(label, remote);
  }
  await remote.response.body?.cancel();
  return undefined;
}
