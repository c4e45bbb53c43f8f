/**
 * A whole multimodal model's image tokenizer, fetched alone (Janus-Pro-7B is about 15 GB;
 * its tokenizer, `gen_vision_model.*`, about 70 M parameters): the shard index, then only
 * the shards that hold the tokenizer's tensors, and of each only the byte ranges the
 * readers need (./range_source.ts). The tensors are kept under their names inside the
 * tokenizer, stored as they came (bfloat16 stays bfloat16, so no value changes).
 */
import { VqganError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { ByteSource } from '../platform/byte_source.js';
import { fetchBytesOrAbsent } from '../platform/network.js';
import { readCheckpoint } from '../weights/checkpoint.js';
import type { StoredDtype } from '../weights/half.js';
import { writeSafetensors } from '../weights/safetensors.js';
import { readSharded } from '../weights/sharded.js';
import type { ModelFiles } from './cache.js';
import { formatHubId, hubFileUrl, type HubId } from './hub_id.js';
import { openRangeSource, type RangeOptions } from './range_source.js';
import type { HubSettings } from './settings.js';
import type { DownloadObserver } from './download.js';

export interface TokenizerContext {
  readonly id: HubId;
  readonly settings: HubSettings;
  readonly observer?: DownloadObserver;
  /** Bytes fetched so far (the total is not known ahead). */
  readonly onProgress?: (loaded: number, total: number | undefined) => void;
}

/** The tokenizer of the whole model `files` names, as safetensors bytes; undefined when the hub has no such file. */
export async function fetchTokenizer(files: ModelFiles, context: TokenizerContext): Promise<Uint8Array | undefined> {
  const { id, settings } = context;
  const label = (file: string) => `${formatHubId(id)} ${file}`;
  let fetched = 0;
  const options = (file: string): RangeOptions => ({
    label: label(file),
    token: settings.token,
    policy: settings.download,
    observer: context.observer,
    onFetched: (bytes) => {
      fetched += bytes;
      context.onProgress?.(fetched, undefined);
    },
  });
  const open = async (file: string): Promise<ByteSource | undefined> => {
    const source = await openRangeSource(hubFileUrl(settings.endpoint, id, file), options(file));
    if (source === 'absent') return undefined;
    if (source === 'no-ranges') {
      throw new VqganError(
        'UNSUPPORTED',
        `${
          label(file)
        }: the server does not answer byte ranges, so the image tokenizer cannot be fetched without the whole model; download the files and load their folder`,
      );
    }
    return source;
  };
  let read: { tensors: Map<string, Tensor>; dtypes: ReadonlySet<StoredDtype>; };
  if (files.weights.endsWith('.index.json')) {
    const index = await fetchBytesOrAbsent(hubFileUrl(settings.endpoint, id, files.weights), {
      label: label(files.weights),
      headers: settings.token === undefined ? {} : { Authorization: `Bearer ${settings.token}` },
      policy: settings.download,
      observer: context.observer,
    });
    if (index === undefined) return undefined;
    read = await readSharded(new TextDecoder().decode(index), label(files.weights), async (shard) => {
      const source = await open(shard);
      if (source === undefined) {
        throw new VqganError('NOT_FOUND', `${label(shard)}: named by ${files.weights}, but the hub has no such file`);
      }
      return source;
    });
  } else {
    const source = await open(files.weights);
    if (source === undefined) return undefined;
    try {
      read = await readCheckpoint(source);
    } finally {
      await source.close();
    }
  }
  // One float type throughout: kept (LlamaGen's int64 usage counter is not a weight, and is dropped at load).
  const [only, ...others] = [...read.dtypes].filter((d) => d !== 'int64');
  const dtype = others.length === 0 && only !== undefined ? only : 'float32';
  return writeSafetensors(read.tensors, { source: `${formatHubId(id)} ${files.weights}` }, dtype);
}
