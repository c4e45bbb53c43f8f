/**
 * Telling a hub id from a path or URL, and turning it into what the weights loader
 * reads: `Vqgan.load('owner/name')` goes through here.
 */
import { isUrl } from '../platform/paths.js';
import { platform } from '../platform/platform.js';
import { configFromText, type ConfigFile, type LoadProgress, type WeightsInput } from '../weights/load.js';
import { fetchHubModel, type FetchModelOptions } from './fetch_model.js';
import { formatHubId, parseHubId, withSubfolder, type HubId } from './hub_id.js';
import { VqganError } from '../core/errors.js';
import type { HubOptions } from './settings.js';

/**
 * The hub id a weights argument names: a string that is not a URL, not an existing path
 * (file or folder), and follows the id grammar (./hub_id.ts). Else undefined.
 */
export async function hubIdOf(input: WeightsInput): Promise<HubId | undefined> {
  if (typeof input !== 'string' || isUrl(input)) return undefined;
  if ((await platform().files.statPath(input)) !== undefined) return undefined;
  return parseHubId(input);
}

export interface HubWeights {
  /** A path in the cache (Node, Deno) or bytes (browsers). */
  readonly weights: WeightsInput;
  /** Browsers only: the hub's configuration file, parsed (Node and Deno find it beside the cached weights). */
  readonly config: ConfigFile | undefined;
  /** For reading the weights: undefined when the bytes were just downloaded (the download was reported). */
  readonly onProgress: LoadProgress | undefined;
}

/** The hub model `input` names, fetched (or found in the cache); undefined when `input` is not a hub id. */
export async function weightsFromHub(
  input: WeightsInput,
  options: {
    readonly hub?: HubOptions;
    readonly onProgress?: LoadProgress;
    readonly observer?: FetchModelOptions['observer'];
    /** A folder of the repository (see withSubfolder). */
    readonly subfolder?: string;
  } = {},
): Promise<HubWeights | undefined> {
  const named = await hubIdOf(input);
  if (named === undefined) {
    if (options.subfolder !== undefined) {
      throw new VqganError('BAD_ARGUMENT', `subfolder ${JSON.stringify(options.subfolder)}: applies to hub ids only`);
    }
    return undefined;
  }
  const id = withSubfolder(named, options.subfolder);
  const model = await fetchHubModel(id, options);
  const text = model.config?.text;
  const config = text === undefined ? undefined : configFromText(text, `${formatHubId(id)} ${model.config!.name}`);
  return { weights: model.weights, config, onProgress: model.downloaded ? undefined : options.onProgress };
}
