/** Downloads with the runtime's own fetch: Node 18+, Deno and browsers have the same one. */
import { VqganError, httpStatusCode } from '../core/errors.js';

export type DownloadProgress = (received: number, total: number | undefined) => void;

/**
 * The body of `url`. With `onProgress`, it is read as a stream and each chunk reported:
 * bytes so far, of the Content-Length (undefined when there is none, or when the body
 * is compressed in transit and so longer than it says); the last call has both equal.
 */
export async function fetchBytes(url: string, onProgress?: DownloadProgress): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new VqganError('NETWORK', `${url}: request failed (${(err as Error).message})`);
  }
  if (!response.ok) {
    throw new VqganError(httpStatusCode(response.status), `${url}: HTTP ${response.status} ${response.statusText}`);
  }
  try {
    if (onProgress === undefined || response.body === null) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      onProgress?.(bytes.length, bytes.length);
      return bytes;
    }
    return await readStream(response, onProgress);
  } catch (err) {
    throw new VqganError('NETWORK', `${url}: download failed (${(err as Error).message})`);
  }
}

async function readStream(response: Response, onProgress: DownloadProgress): Promise<Uint8Array> {
  const length = Number(response.headers.get('Content-Length') ?? NaN);
  const encoding = response.headers.get('Content-Encoding');
  let total = Number.isSafeInteger(length) && length >= 0 && (encoding === null || encoding === 'identity')
    ? length
    : undefined;
  // One buffer of the announced size, so a large file is not held twice.
  let buffer = new Uint8Array(total ?? 1 << 20);
  let received = 0;
  onProgress(0, total);
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (received + value.length > buffer.length) {
      total = undefined; // longer than announced
      const grown = new Uint8Array(Math.max(2 * buffer.length, received + value.length));
      grown.set(buffer.subarray(0, received));
      buffer = grown;
    }
    buffer.set(value, received);
    received += value.length;
    onProgress(received, total);
  }
  if (total !== received) onProgress(received, received);
  return received === buffer.length ? buffer : buffer.slice(0, received);
}

/** A response's body, read as a stream and reported to `onProgress` when there is one. */
export async function readBody(response: Response, onProgress?: DownloadProgress): Promise<Uint8Array> {
  return onProgress !== undefined && response.body !== null
    ? readStream(response, onProgress)
    : new Uint8Array(await response.arrayBuffer());
}
