/**
 * A hub model's files, downloaded once: its weights (the first of WEIGHTS_FILES the hub
 * has) and their configuration when the hub has one. Node and Deno keep them in the
 * cache folder (./cache.ts) and, once there, never touch the network for them again;
 * browsers keep them in the Cache Storage (src/env.ts).
 */
import { fetchThroughCacheStorage } from '../platform/network.js';
import { joinPath } from '../platform/paths.js';
import { platform } from '../platform/platform.js';
import { VqganError } from '../errors.js';
import { WEIGHTS_FILES, cachedModel, configFilesFor, modelFolder } from './cache.js';
import { downloadToPartial, type DownloadObserver } from './download.js';
import { formatHubId, hubFileUrl, type HubId } from './hub_id.js';
import { hubSettings, type HubOptions, type HubSettings } from './settings.js';

export interface FetchModelOptions {
  readonly hub?: HubOptions;
  /** Download bytes of the weights file (not of the small configuration file). */
  readonly onProgress?: (loaded: number, total: number | undefined) => void;
  readonly observer?: DownloadObserver;
}

export interface HubModel {
  readonly id: HubId;
  /** Node, Deno: the weights file's path in the cache. Browsers: its bytes. */
  readonly weights: string | Uint8Array;
  /** The configuration file: its path (Node, Deno) or its text (browsers); undefined when the hub has none. */
  readonly config: { readonly name: string; readonly path?: string; readonly text?: string } | undefined;
  /** Whether the weights came over the network this time (else from the cache). */
  readonly downloaded: boolean;
  /** Node, Deno: the model's cache folder. */
  readonly folder?: string;
}

export async function fetchHubModel(id: HubId, options: FetchModelOptions = {}): Promise<HubModel> {
  const settings = await hubSettings(options.hub);
  if (!platform().files.available || settings.cacheDir === undefined) return fetchIntoCacheStorage(id, settings, options);
  const folder = modelFolder(settings.cacheDir, id);
  const cached = await cachedModel(folder);
  if (cached !== undefined) {
    const config = cached.config === undefined ? undefined : { name: cached.config.slice(folder.length + 1), path: cached.config };
    return { id, weights: cached.weights, config, downloaded: false, folder };
  }
  const get = (file: string, withProgress: boolean) =>
    downloadToPartial(hubFileUrl(settings.endpoint, id, file), joinPath(folder, file), {
      label: `${formatHubId(id)} ${file}`,
      token: settings.token,
      observer: options.observer,
      onProgress: withProgress ? options.onProgress : undefined,
    });
  for (const file of WEIGHTS_FILES) {
    const weights = await get(file, true);
    if (weights === undefined) continue;
    // The configuration before the weights are renamed into place: a cached model is complete.
    let config: HubModel['config'];
    for (const name of configFilesFor(file)) {
      const got = await get(name, false);
      if (got === undefined) continue;
      const path = joinPath(folder, name);
      await platform().files.renameFile(got.partial, path);
      config = { name, path };
      break;
    }
    const path = joinPath(folder, file);
    await platform().files.renameFile(weights.partial, path);
    return { id, weights: path, config, downloaded: true, folder };
  }
  throw notFound(id, settings);
}

function notFound(id: HubId, settings: HubSettings): VqganError {
  return new VqganError(
    'NOT_FOUND',
    `${formatHubId(id)}: no weights file at ${settings.endpoint}/${id.owner}/${id.name} (revision ${id.revision}); tried ${WEIGHTS_FILES.join(', ')}: HTTP 404 for each`,
  );
}

/** Browsers: the same files through the Cache Storage. */
async function fetchIntoCacheStorage(id: HubId, settings: HubSettings, options: FetchModelOptions): Promise<HubModel> {
  const headers: Record<string, string> = settings.token === undefined ? {} : { Authorization: `Bearer ${settings.token}` };
  const get = (file: string, onProgress?: FetchModelOptions['onProgress']) =>
    fetchThroughCacheStorage(hubFileUrl(settings.endpoint, id, file), headers, `${formatHubId(id)} ${file}`, onProgress);
  for (const file of WEIGHTS_FILES) {
    const weights = await get(file, options.onProgress);
    if (weights === undefined) continue;
    for (const name of configFilesFor(file)) {
      const got = await get(name);
      if (got !== undefined) return { id, weights: weights.bytes, config: { name, text: new TextDecoder().decode(got.bytes) }, downloaded: !weights.cached };
    }
    return { id, weights: weights.bytes, config: undefined, downloaded: !weights.cached };
  }
  throw notFound(id, settings);
}
