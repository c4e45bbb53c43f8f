/**
 * Where models come from and go: the hub's address (HF_ENDPOINT), the access token
 * (HF_TOKEN), the download cache (VQGAN_CACHE, default ~/.cache/vqgan-wasm), and how
 * long a download may stall and how often it is tried (VQGAN_DOWNLOAD_TIMEOUT, default
 * 10 s; 5 tries). Options given in code win over the environment.
 */
import { joinPath } from '../platform/paths.js';
import { envVar } from '../platform/runtime.js';
import { platform } from '../platform/platform.js';
import { downloadPolicy, type DownloadPolicy, type RetryOptions } from '../platform/retry.js';
import { VqganError } from '../core/errors.js';

/** Besides these, `downloadTimeout`, `downloadTries` and `retryDelay` (../platform/retry.ts). */
export interface HubOptions extends RetryOptions {
  /** The hub's address; default HF_ENDPOINT, else https://huggingface.co. */
  readonly endpoint?: string;
  /** Sent as `Authorization: Bearer …` to the hub (never to another host); default HF_TOKEN. */
  readonly token?: string;
  /** Node and Deno: the cache folder; default VQGAN_CACHE, else ~/.cache/vqgan-wasm. */
  readonly cacheDir?: string;
}

export interface HubSettings {
  /** Without a trailing slash. */
  readonly endpoint: string;
  readonly token: string | undefined;
  /** Undefined in browsers (they use the Cache Storage). */
  readonly cacheDir: string | undefined;
  /** Stall timeout and tries of each file's download. */
  readonly download: DownloadPolicy;
}

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export async function hubSettings(options: HubOptions = {}): Promise<HubSettings> {
  const endpoint = (options.endpoint ?? envVar('HF_ENDPOINT') ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/i.test(endpoint)) {
    throw new VqganError(
      'BAD_ARGUMENT',
      `hub endpoint ${endpoint}: expected an http:// or https:// address (HF_ENDPOINT)`,
    );
  }
  const download = downloadPolicy(options);
  const token = options.token ?? envVar('HF_TOKEN');
  let cacheDir = options.cacheDir ?? envVar('VQGAN_CACHE');
  if (cacheDir === undefined) {
    const home = await platform().files.homeDir();
    if (home !== undefined) cacheDir = joinPath(joinPath(home, '.cache'), 'vqgan-wasm');
  }
  return { endpoint, token: token === '' ? undefined : token, cacheDir, download };
}
