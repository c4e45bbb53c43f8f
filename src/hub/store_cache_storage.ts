/**
 * The Cache Storage (browsers: caches.open('vqgan-wasm')), one entry per hub URL. A 404
 * is stored too, as the answer for a file the model does not have. Outside secure
 * contexts (https, localhost) there is no Cache Storage: then every load downloads.
 */
import { fetchBytesOrAbsent } from '../platform/network.js';
import { modelFilesFor, storedName } from './cache.js';
import { formatHubId, hubFileUrl, type HubId } from './hub_id.js';
import type { ModelStore, StoreContext, StoredFile, StoredModel } from './model_store.js';

const bytesOf = async (response: Response): Promise<StoredFile> => ({
  bytes: new Uint8Array(await response.arrayBuffer()),
});

export function cacheStorageStore({ id, settings, observer }: StoreContext): ModelStore {
  const url = (file: string) => hubFileUrl(settings.endpoint, id, file);
  const cache: Promise<Cache | undefined> = typeof caches === 'undefined'
    ? Promise.resolve(undefined)
    : caches.open('vqgan-wasm');
  /** The stored answer for `file`: a response (status 404 for a file the hub lacks), or undefined when nothing is stored. */
  const stored = async (file: string): Promise<Response | undefined> => (await cache)?.match(url(file));
  /** Keeps `bytes` as the answer for `file` (a made tokenizer under the address the hub would give it: a key of this store only). */
  const keep = async (file: string, bytes: Uint8Array): Promise<StoredFile> => {
    await (await cache)?.put(url(file), new Response(bytes as Uint8Array<ArrayBuffer>));
    return { bytes };
  };
  return {
    cached: () => storedModel(id, stored),
    async fetch(file, onProgress) {
      const kept = await stored(file);
      if (kept !== undefined) {
        return kept.status === 404
          ? undefined
          : { downloaded: false, commit: () => bytesOf(kept) };
      }
      // Stalls, lost connections and 5xx are tried again, resuming where the bytes stopped, as in Node.
      const bytes = await fetchBytesOrAbsent(url(file), {
        label: `${formatHubId(id)} ${file}`,
        headers: settings.token === undefined ? {} : { Authorization: `Bearer ${settings.token}` },
        onProgress,
        policy: settings.download,
        observer,
      });
      if (bytes === undefined) {
        await (await cache)?.put(url(file), new Response(null, { status: 404 }));
        return undefined;
      }
      return { downloaded: true, commit: () => keep(file, bytes) };
    },
    put: keep,
  };
}

/** The first weights file the cache holds, with its configuration; undefined when the model is not whole there. */
async function storedModel(
  id: HubId,
  stored: (file: string) => Promise<Response | undefined>,
): Promise<StoredModel | undefined> {
  // Every answer looked up first, so that no body is read for a model that is not whole.
  for (const files of modelFilesFor(id)) {
    // A whole model's tokenizer is stored once made (no 404 is stored for those, the last files tried).
    const name = storedName(files);
    const weights = await stored(name);
    if (weights === undefined) {
      if (files.whole) continue;
      return undefined;
    }
    if (weights.status === 404) continue;
    for (const configName of files.configs) {
      const config = await stored(configName);
      if (config === undefined) return undefined;
      if (config.status !== 404) {
        return {
          weights: { name, file: await bytesOf(weights) },
          config: { name: configName, file: await bytesOf(config) },
        };
      }
    }
    return { weights: { name, file: await bytesOf(weights) }, config: undefined };
  }
  return undefined;
}
