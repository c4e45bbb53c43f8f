/**
 * The Cache Storage (browsers: caches.open('vqgan-wasm')), one entry per hub URL. A 404
 * is stored too, as the answer for a file the model does not have. Outside secure
 * contexts (https, localhost) there is no Cache Storage: then every load downloads.
 */
import { VqganError } from '../errors.js';
import { readBody } from '../platform/network.js';
import { WEIGHTS_FILES, configFilesFor } from './cache.js';
import { formatHubId, hubFileUrl } from './hub_id.js';
import type { ModelStore, StoreContext, StoredFile } from './model_store.js';

const openCache = async (): Promise<Cache | undefined> => (typeof caches === 'undefined' ? undefined : caches.open('vqgan-wasm'));

export function cacheStorageStore({ id, settings }: StoreContext): ModelStore {
  const url = (file: string) => hubFileUrl(settings.endpoint, id, file);
  /** The stored answer for `file`: its bytes, 'absent' for a stored 404, undefined when nothing is stored. */
  async function stored(cache: Cache | undefined, file: string): Promise<StoredFile | 'absent' | undefined> {
    const response = await cache?.match(url(file));
    if (response === undefined) return undefined;
    return response.status === 404 ? 'absent' : { bytes: new Uint8Array(await response.arrayBuffer()) };
  }
  return {
    async cached() {
      const cache = await openCache();
      for (const name of WEIGHTS_FILES) {
        const weights = await stored(cache, name);
        if (weights === undefined) return undefined;
        if (weights === 'absent') continue;
        for (const configName of configFilesFor(name)) {
          const config = await stored(cache, configName);
          if (config === undefined) return undefined;
          if (config !== 'absent') return { weights: { name, file: weights }, config: { name: configName, file: config } };
        }
        return { weights: { name, file: weights }, config: undefined };
      }
      return undefined;
    },
    async fetch(file, onProgress) {
      const cache = await openCache();
      if ((await stored(cache, file)) === 'absent') return undefined;
      const label = `${formatHubId(id)} ${file}`;
      const headers: Record<string, string> = settings.token === undefined ? {} : { Authorization: `Bearer ${settings.token}` };
      let response: Response;
      try {
        response = await fetch(url(file), { headers });
      } catch (err) {
        throw new VqganError('NOT_FOUND', `${label}: request to ${url(file)} failed (${(err as Error).message})`);
      }
      if (response.status === 404) {
        await cache?.put(url(file), new Response(null, { status: 404 }));
        return undefined;
      }
      if (!response.ok) throw new VqganError('NOT_FOUND', `${label}: HTTP ${response.status} ${response.statusText} from ${url(file)}`);
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = await readBody(response, onProgress) as Uint8Array<ArrayBuffer>;
      } catch (err) {
        throw new VqganError('NOT_FOUND', `${label}: download from ${url(file)} failed (${(err as Error).message})`);
      }
      return {
        commit: async () => {
          await cache?.put(url(file), new Response(bytes));
          return { bytes };
        },
      };
    },
  };
}
