/**
 * The files a hub model may have, by family, and the download cache's layout (Node, Deno):
 *
 *   {cache}/{owner}--{name}/{revision}/{subfolder}/model.ckpt   the weights, whole and checked
 *   {cache}/{owner}--{name}/{revision}/{subfolder}/config.yaml  its configuration, when the hub has one
 *   {cache}/…/model.ckpt.partial                                 a download under way or interrupted
 *   {cache}/…/tokenizer.safetensors                              a whole model's image tokenizer alone
 *
 * (`{revision}` URL-encoded, so `refs/pr/1` is one folder, `refs%2Fpr%2F1`). A model is
 * in the cache when its weights file is: its configuration is fetched before the weights
 * are renamed into place, so nothing else needs the network again.
 */
import { joinPath } from '../platform/paths.js';
import { platform } from '../platform/platform.js';
import type { HubId } from './hub_id.js';

export interface ModelFiles {
  /** The weights file (or shard index) on the hub. */
  readonly weights: string;
  /** Its configuration files, preferred first. */
  readonly configs: readonly string[];
  /**
   * A whole multimodal model (an index of shards, or one large file): only its image
   * tokenizer's tensors are fetched, by byte ranges, and kept as TOKENIZER_FILE.
   */
  readonly whole?: true;
}

/** What the cache keeps of a whole model: its image tokenizer's tensors, under their names there. */
export const TOKENIZER_FILE = 'tokenizer.safetensors';

/** The files a model may be published as, tried in this order; the first the hub has is taken. */
export const MODEL_FILES: readonly ModelFiles[] = [
  { weights: 'model.ckpt', configs: ['config.yaml', 'config.json'] }, // latent-diffusion, taming's mirrors
  { weights: 'flax_model.msgpack', configs: ['config.json'] }, // boris, dalle-mini
  { weights: 'model.safetensors', configs: ['config.json', 'config.yaml'] }, // `vqgan convert`'s
  { weights: 'diffusion_pytorch_model.safetensors', configs: ['config.json'] }, // diffusers VQModel (amused/…/vqvae)
  { weights: 'vqgan.ckpt', configs: ['vqgan.yaml'] }, // Chameleon's tokenizer/ (Anole, Lumina-mGPT)
  { weights: 'last.ckpt', configs: ['model.yaml', 'config.yaml'] }, // taming's logs (GumbelVQ)
  { weights: 'vq_ds16_c2i.pt', configs: [] }, // LlamaGen
  { weights: 'model.safetensors.index.json', configs: ['config.json'], whole: true }, // sharded multimodal models
  { weights: 'pytorch_model.bin.index.json', configs: ['config.json'], whole: true }, // Janus-Pro-7B
  { weights: 'pytorch_model.bin', configs: ['config.json'], whole: true }, // Janus-Pro-1B
];

/** The files to look for: the one the id names (with the configurations a file of its name has), or MODEL_FILES. */
export function modelFilesFor(id: HubId): readonly ModelFiles[] {
  if (id.file === undefined) return MODEL_FILES;
  const known = MODEL_FILES.find((m) => m.weights === id.file);
  const stem = id.file.replace(/\.[^.]*$/, '');
  return [known ?? { weights: id.file, configs: [`${stem}.yaml`, 'config.yaml', 'config.json'] }];
}

/** The name the store keeps a model's weights under. */
export const storedName = (files: ModelFiles): string => (files.whole ? TOKENIZER_FILE : files.weights);

export function modelFolder(cacheDir: string, id: HubId): string {
  let folder = joinPath(joinPath(cacheDir, `${id.owner}--${id.name}`), encodeURIComponent(id.revision));
  for (const part of id.subfolder.split('/')) if (part !== '') folder = joinPath(folder, part);
  return folder;
}

export interface CachedModel {
  readonly weights: string;
  readonly config: string | undefined;
}

/** The model's files in `folder`, or undefined when its weights are not there yet. */
export async function cachedModel(folder: string, id: HubId): Promise<CachedModel | undefined> {
  const isFile = async (path: string) => (await platform().files.statPath(path))?.isFile === true;
  for (const files of modelFilesFor(id)) {
    const weights = joinPath(folder, storedName(files));
    if (!(await isFile(weights))) continue;
    for (const name of files.configs) {
      const config = joinPath(folder, name);
      if (await isFile(config)) return { weights, config };
    }
    return { weights, config: undefined };
  }
  return undefined;
}
