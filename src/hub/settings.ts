/**
 * Where models come from and go: the hub's address (HF_ENDPOINT), the access token
 * (HF_TOKEN) and the download cache (VQGAN_CACHE, default ~/.cache/vqgan-wasm). Options
 * given in code win over the environment.
 */
import { joinPath } from '../platform/paths.js';
import { envVar } from '../platform/runtime.js';
import { platform } from '../platform/platform.js';
import { VqganError } from '../core/errors.js';

export interface HubOptions {
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
  const token = options.token ?? envVar('HF_TOKEN');
  let cacheDir = options.cacheDir ?? envVar('VQGAN_CACHE');
  if (cacheDir === undefined) {
    const home = await platform().files.homeDir();
    if (home !== undefined) cacheDir = joinPath(joinPath(home, '.cache'), 'vqgan-wasm');
  }
  return { endpoint, token: token === '' ? undefined : token, cacheDir };
}
