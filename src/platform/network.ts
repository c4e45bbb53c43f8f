/**
 * Downloads with the runtime's own fetch (Node 18+, Deno and browsers have the same one),
 * and the browsers' download cache, the Cache Storage.
 */
import { VqganError } from '../errors.js';

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
    throw new VqganError('NOT_FOUND', `${url}: request failed (${(err as Error).message})`);
  }
  if (!response.ok) {
    throw new VqganError('NOT_FOUND', `${url}: HTTP ${response.status} ${response.statusText}`);
  }
  try {
    if (onProgress === undefined || response.body === null) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      onProgress?.(bytes.length, bytes.length);
      return bytes;
    }
    return await readStream(response, onProgress);
  } catch (err) {
    throw new VqganError('NOT_FOUND', `${url}: download failed (${(err as Error).message})`);
  }
}

async function readStream(response: Response, onProgress: DownloadProgress): Promise<Uint8Array> {
  const length = Number(response.headers.get('Content-Length') ?? NaN);
  const encoding = response.headers.get('Content-Encoding');
  let total = Number.isSafeInteger(length) && length >= 0 && (encoding === null || encoding === 'identity') ? length : undefined;
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

/**
 * Browsers: `url` through the Cache Storage (caches.open('vqgan-wasm')): the stored copy
 * when there is one (`cached`), else a download that is stored for next time. A 404 is
 * stored too, as the answer for a file the model does not have, and gives undefined.
 */
export async function fetchThroughCacheStorage(
  url: string, headers: Record<string, string>, label: string, onProgress?: DownloadProgress,
): Promise<{ bytes: Uint8Array; cached: boolean } | undefined> {
  // No Cache Storage outside secure contexts (https, localhost): then every load downloads.
  const cache = typeof caches === 'undefined' ? undefined : await caches.open('vqgan-wasm');
  const stored = await cache?.match(url);
  if (stored !== undefined) return stored.status === 404 ? undefined : { bytes: new Uint8Array(await stored.arrayBuffer()), cached: true };
  let response: Response;
  try {
    response = await fetch(url, { headers });
  } catch (err) {
    throw new VqganError('NOT_FOUND', `${label}: request to ${url} failed (${(err as Error).message})`);
  }
  if (response.status === 404) {
    await cache?.put(url, new Response(null, { status: 404 }));
    return undefined;
  }
  if (!response.ok) throw new VqganError('NOT_FOUND', `${label}: HTTP ${response.status} ${response.statusText} from ${url}`);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = (onProgress !== undefined && response.body !== null ? await readStream(response, onProgress) : new Uint8Array(await response.arrayBuffer())) as Uint8Array<ArrayBuffer>;
  } catch (err) {
    throw new VqganError('NOT_FOUND', `${label}: download from ${url} failed (${(err as Error).message})`);
  }
  await cache?.put(url, new Response(bytes));
  return { bytes, cached: false };
}
