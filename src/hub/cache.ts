/**
 * The download cache's layout (Node, Deno):
 *
 *   {cache}/{owner}--{name}/{revision}/model.ckpt          the weights, whole and checked
 *   {cache}/{owner}--{name}/{revision}/config.yaml         its configuration, when the hub has one
 *   {cache}/{owner}--{name}/{revision}/model.ckpt.partial  a download under way or interrupted
 *
 * (`{revision}` URL-encoded, so `refs/pr/1` is one folder, `refs%2Fpr%2F1`). A model is
 * in the cache when its weights file is: its configuration is fetched before the weights
 * are renamed into place, so nothing else needs the network again.
 */
import { joinPath } from '../platform/paths.js';
import { platform } from '../platform/platform.js';
import type { HubId } from './hub_id.js';

/** The weights files a model may have, tried in this order; the first the hub has is taken. */
export const WEIGHTS_FILES = ['model.ckpt', 'flax_model.msgpack', 'model.safetensors'] as const;

/** The configuration that goes with a weights file, preferred first: taming's YAML beside a checkpoint, JSON beside the others. */
export function configFilesFor(weights: string): readonly string[] {
  return weights === 'model.ckpt' ? ['config.yaml', 'config.json'] : ['config.json', 'config.yaml'];
}

export function modelFolder(cacheDir: string, id: HubId): string {
  return joinPath(joinPath(cacheDir, `${id.owner}--${id.name}`), encodeURIComponent(id.revision));
}

export interface CachedModel {
  readonly weights: string;
  readonly config: string | undefined;
}

/** The model's files in `folder`, or undefined when its weights are not there yet. */
export async function cachedModel(folder: string): Promise<CachedModel | undefined> {
  for (const file of WEIGHTS_FILES) {
    const weights = joinPath(folder, file);
    if ((await platform().files.statPath(weights))?.isFile !== true) continue;
    for (const name of configFilesFor(file)) {
      const config = joinPath(folder, name);
      if ((await platform().files.statPath(config))?.isFile === true) return { weights, config };
    }
    return { weights, config: undefined };
  }
  return undefined;
}
