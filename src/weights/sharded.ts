/**
 * A model saved as safetensors shards with a `model.safetensors.index.json` (as
 * transformers saves large models; Janus-Pro-7B is about 15 GB of them): only the shards
 * that hold the wanted tensors are opened, and only those tensors read. Inside a whole
 * multimodal model the wanted ones are its image tokenizer's (see tokenizerKeys).
 */
import { VqganError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { dirnameOf, joinPath } from '../platform/paths.js';
import { platform } from '../platform/platform.js';
import type { StoredDtype } from './half.js';
import { tokenizerKeys } from './layouts.js';
import { readSafetensors } from './safetensors.js';

export const SHARD_INDEX = 'model.safetensors.index.json';

export interface ShardedRead {
  readonly tensors: Map<string, Tensor>;
  readonly dtypes: ReadonlySet<StoredDtype>;
  readonly bytesRead: number;
  /** The bytes of the shards opened. */
  readonly size: number;
}

export async function readShardedSafetensors(indexPath: string): Promise<ShardedRead> {
  const text = await platform().files.readTextIfExists(indexPath);
  if (text === undefined) throw new VqganError('NOT_FOUND', `${indexPath}: no such file`);
  const weightMap = weightMapOf(text, indexPath);
  const names = tokenizerKeys([...weightMap.keys()]);
  const byShard = new Map<string, string[]>();
  for (const key of names.keys()) byShard.set(weightMap.get(key)!, [...(byShard.get(weightMap.get(key)!) ?? []), key]);
  const tensors = new Map<string, Tensor>();
  const dtypes = new Set<StoredDtype>();
  let bytesRead = 0;
  let size = 0;
  for (const [shard, keys] of byShard) {
    const src = await platform().files.openFile(joinPath(dirnameOf(indexPath), shard));
    try {
      const mine = new Set(keys);
      const read = await readSafetensors(
        src,
        undefined,
        (all) => new Map(all.filter((k) => mine.has(k)).map((k) => [k, names.get(k)!])),
      );
      const missing = keys.find((k) => !read.tensors.has(names.get(k)!));
      if (missing !== undefined) {
        throw new VqganError(
          'BAD_FORMAT',
          `${indexPath}: tensor ${missing} is indexed in ${shard}, which does not hold it`,
        );
      }
      for (const [key, t] of read.tensors) tensors.set(key, t);
      for (const d of read.dtypes) dtypes.add(d);
      bytesRead += src.bytesRead;
      size += src.size;
    } finally {
      await src.close();
    }
  }
  return { tensors, dtypes, bytesRead, size };
}

/** The index's `weight_map`: tensor name → shard file (a plain name beside the index). */
function weightMapOf(text: string, indexPath: string): Map<string, string> {
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch (err) {
    throw new VqganError('BAD_FORMAT', `${indexPath}: not valid JSON (${(err as Error).message})`);
  }
  const map = (index as { weight_map?: unknown; } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new VqganError('BAD_FORMAT', `${indexPath}: no weight_map object`);
  }
  const entries = Object.entries(map as Record<string, unknown>);
  const bad = entries.find(([, shard]) => typeof shard !== 'string' || !/^[^/\\]+\.safetensors$/.test(shard));
  if (bad !== undefined) {
    throw new VqganError(
      'BAD_FORMAT',
      `${indexPath}: weight_map names ${JSON.stringify(bad[1])} for ${
        bad[0]
      }, not a .safetensors file beside the index`,
    );
  }
  return new Map(entries as [string, string][]);
}
