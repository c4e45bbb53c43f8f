/**
 * Where a hub model's files are kept between runs, behind one interface: the cache
 * folder in Node and Deno (./store_folder.ts), the Cache Storage in browsers
 * (./store_cache_storage.ts). fetchHubModel (./fetch_model.ts) asks the store for a
 * whole model first, and only then the hub, file by file; the files it fetched become
 * the stored model only when all of them are in (`commit`), so a stored model is whole.
 */
import type { DownloadObserver } from './download.js';
import type { HubId } from './hub_id.js';
import type { HubSettings } from './settings.js';

/** A file of a stored model: its path in the cache folder, or its bytes. */
export type StoredFile = { readonly path: string; } | { readonly bytes: Uint8Array; };

export interface StoredModel {
  readonly weights: { readonly name: string; readonly file: StoredFile; };
  readonly config: { readonly name: string; readonly file: StoredFile; } | undefined;
}

/** A file fetched for the model, not yet part of the stored model. */
export interface Fetched {
  /** Whether it came over the network (else the store already held this one file). */
  readonly downloaded: boolean;
  commit(): Promise<StoredFile>;
}

export interface ModelStore {
  /** The model as an earlier fetch stored it, without asking the hub; undefined when it is not whole there. */
  cached(): Promise<StoredModel | undefined>;
  /** `file` from the hub (or the store, where it holds that file alone); undefined when the hub has no such file (its 404). */
  fetch(file: string, onProgress?: (loaded: number, total: number | undefined) => void): Promise<Fetched | undefined>;
  /** Keeps `bytes` made here (a whole model's tokenizer) as the model's `file`. */
  put(file: string, bytes: Uint8Array): Promise<StoredFile>;
}

export interface StoreContext {
  readonly id: HubId;
  readonly settings: HubSettings;
  readonly observer?: DownloadObserver;
}
