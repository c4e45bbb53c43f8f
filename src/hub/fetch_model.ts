/**
 * A hub model's files, fetched once: its weights (the first of MODEL_FILES the hub has,
 * or the file the id names; of a whole multimodal model, only its image tokenizer) and
 * their configuration when the hub has one. They are kept in a ModelStore
 * (./model_store.ts): the cache folder in Node and Deno, the Cache Storage in browsers;
 * once there, they never touch the network again.
 */
import { VqganError } from '../core/errors.js';
import { platform } from '../platform/platform.js';
import { modelFilesFor, storedName, TOKENIZER_FILE, type ModelFiles } from './cache.js';
import { fetchTokenizer, type TokenizerContext } from './fetch_tokenizer.js';
import type { DownloadObserver } from './download.js';
import { formatHubId, type HubId } from './hub_id.js';
import type { Fetched, ModelStore, StoredFile, StoredModel } from './model_store.js';
import { hubSettings, type HubOptions, type HubSettings } from './settings.js';
import { cacheStorageStore } from './store_cache_storage.js';
import { folderStore } from './store_folder.js';

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
  readonly config: { readonly name: string; readonly path?: string; readonly text?: string; } | undefined;
  /** Whether the weights came over the network this time (else from the cache). */
  readonly downloaded: boolean;
  /** Node, Deno: the model's cache folder. */
  readonly folder?: string;
}

export async function fetchHubModel(id: HubId, options: FetchModelOptions = {}): Promise<HubModel> {
  const settings = await hubSettings(options.hub);
  const context = { id, settings, observer: options.observer };
  const folder = platform().files.available && settings.cacheDir !== undefined
    ? folderStore(settings.cacheDir, context)
    : undefined;
  const store: ModelStore = folder ?? cacheStorageStore(context);
  const cached = await store.cached();
  if (cached !== undefined) return hubModel(id, cached, false, folder?.folder);
  for (const files of modelFilesFor(id)) {
    const found = files.whole
      ? await tokenizerOf(files, store, { id, settings, observer: options.observer, onProgress: options.onProgress })
      : await store.fetch(files.weights, options.onProgress);
    if (found === undefined) continue;
    // The configuration before the weights: a stored model is complete.
    let config: StoredModel['config'];
    for (const configName of files.configs) {
      const got = await store.fetch(configName);
      if (got === undefined) continue;
      config = { name: configName, file: await got.commit() };
      break;
    }
    return hubModel(
      id,
      { weights: { name: storedName(files), file: await found.commit() }, config },
      found.downloaded,
      folder?.folder,
    );
  }
  throw notFound(id, settings);
}

/** A whole model's tokenizer, made from byte ranges of its files, to be kept as TOKENIZER_FILE. */
async function tokenizerOf(
  files: ModelFiles,
  store: ModelStore,
  context: TokenizerContext,
): Promise<Fetched | undefined> {
  const bytes = await fetchTokenizer(files, context);
  return bytes === undefined ? undefined : { downloaded: true, commit: () => store.put(TOKENIZER_FILE, bytes) };
}

const pathOrBytes = (file: StoredFile): string | Uint8Array => ('path' in file ? file.path : file.bytes);

function hubModel(id: HubId, stored: StoredModel, downloaded: boolean, folder: string | undefined): HubModel {
  const { config } = stored;
  return {
    id,
    weights: pathOrBytes(stored.weights.file),
    config: config === undefined
      ? undefined
      : 'path' in config.file
      ? { name: config.name, path: config.file.path }
      : { name: config.name, text: new TextDecoder().decode(config.file.bytes) },
    downloaded,
    folder,
  };
}

function notFound(id: HubId, settings: HubSettings): VqganError {
  const tried = modelFilesFor(id).map((f) => f.weights);
  return new VqganError(
    'NOT_FOUND',
    `${formatHubId(id)}: no weights file at ${settings.endpoint}/${id.owner}/${id.name}${
      id.subfolder === '' ? '' : `/${id.subfolder}`
    } (revision ${id.revision}); tried ${tried.join(', ')}: HTTP 404 for each`
      + (id.file === undefined ? '' : ' (and there is no such local file)'),
  );
}
