/**
 * A model saved as shards with an index (as transformers saves large models; Janus-Pro-7B
 * is about 15 GB of them, in two torch.save `.bin` shards): only the shards
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
import { readCheckpoint } from './checkpoint.js';
import type { ByteSource } from '../platform/byte_source.js';

/** The index files transformers writes beside shards: safetensors, or torch.save's zips (Janus-Pro-7B's `.bin`). */
export const SHARD_INDEXES = ['model.safetensors.index.json', 'pytorch_model.bin.index.json'] as const;

export interface ShardedRead {
  readonly tensors: Map<string, Tensor>;
  readonly dtypes: ReadonlySet<StoredDtype>;
  readonly bytesRead: number;
  /** The bytes of the shards opened. */
  readonly size: number;
}

/**
 * The tensors an index (its text; `indexName` for messages) maps to its shards, each
 * shard opened by `openShard` (a file beside the index, or byte ranges of a remote one):
 * only the shards holding wanted tensors, and of those only the wanted tensors.
 */
export async function readSharded(
  text: string,
  indexName: string,
  openShard: (file: string) => Promise<ByteSource>,
): Promise<ShardedRead> {
  const weightMap = weightMapOf(text, indexName);
  const names = tokenizerKeys([...weightMap.keys()]);
  const byShard = new Map<string, string[]>();
  for (const key of names.keys()) byShard.set(weightMap.get(key)!, [...(byShard.get(weightMap.get(key)!) ?? []), key]);
  const tensors = new Map<string, Tensor>();
  const dtypes = new Set<StoredDtype>();
  let bytesRead = 0;
  let size = 0;
  for (const [shard, keys] of byShard) {
    const src = await openShard(shard);
    try {
      const mine = new Set(keys);
      const pick = (all: readonly string[]) => new Map(all.filter((k) => mine.has(k)).map((k) => [k, names.get(k)!]));
      const read = shard.endsWith('.bin')
        ? await readCheckpoint(src, undefined, pick)
        : await readSafetensors(src, undefined, pick);
      const missing = keys.find((k) => !read.tensors.has(names.get(k)!));
      if (missing !== undefined) {
        throw new VqganError(
          'BAD_FORMAT',
          `${indexName}: tensor ${missing} is indexed in ${shard}, which does not hold it`,
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

/** A local index file and the shards beside it. */
export async function readShardedFiles(indexPath: string): Promise<ShardedRead> {
  const text = await platform().files.readTextIfExists(indexPath);
  if (text === undefined) throw new VqganError('NOT_FOUND', `${indexPath}: no such file`);
  return readSharded(text, indexPath, (shard) => platform().files.openFile(joinPath(dirnameOf(indexPath), shard)));
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
  const bad = entries.find(([, shard]) => typeof shard !== 'string' || !/^[^/\\]+\.(safetensors|bin)$/.test(shard));
  if (bad !== undefined) {
    throw new VqganError(
      'BAD_FORMAT',
      `${indexPath}: weight_map names ${JSON.stringify(bad[1])} for ${
        bad[0]
      }, not a .safetensors or .bin file beside the index`,
    );
  }
  return new Map(entries as [string, string][]);
}
