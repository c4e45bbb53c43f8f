/**
 * Hugging Face hub model ids: `owner/name[@revision]`, e.g. `boris/vqgan_f16_16384` or
 * `dalle-mini/vqgan_imagenet_f16_16384@main`. The grammar is the hub's own (letters,
 * digits, `_`, `-`, `.`; no `--` or `..`; neither part starts or ends with `-` or `.`),
 * narrowed so that a mistyped local file is never taken for a model: a name ending in a
 * file extension we read (`weights/model.ckpt`) is not an id.
 */

export interface HubId {
  readonly owner: string;
  readonly name: string;
  /** A branch, tag or commit; `main` unless the id says `@…`. */
  readonly revision: string;
}

/** What `--weights` means when it is left out, and what `vqgan fetch` fetches by default. */
export const DEFAULT_MODEL = 'boris/vqgan_f16_16384';

const PART = '[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?';
const ID = new RegExp(`^(${PART})/(${PART})(?:@([A-Za-z0-9_][A-Za-z0-9_./-]{0,199}))?$`);
const FILE_NAME = /\.(ckpt|pt|pth|bin|safetensors|msgpack|ya?ml|json|npy|png|jpe?g)$/i;

/** The id `text` spells, or undefined when it does not follow the grammar. */
export function parseHubId(text: string): HubId | undefined {
  const m = ID.exec(text);
  if (m === null) return undefined;
  const [, owner, name, revision = 'main'] = m as unknown as [string, string, string, string | undefined];
  if (/--|\.\./.test(owner) || /--|\.\./.test(name) || FILE_NAME.test(name)) return undefined;
  if (revision.includes('..') || revision.includes('//') || revision.endsWith('/')) return undefined;
  return { owner, name, revision };
}

/** `owner/name`, with `@revision` unless it is `main`. */
export function formatHubId(id: HubId): string {
  return id.revision === 'main' ? `${id.owner}/${id.name}` : `${id.owner}/${id.name}@${id.revision}`;
}

/** The hub's address of one file of a model: `{endpoint}/{owner}/{name}/resolve/{revision}/{file}`. */
export function hubFileUrl(endpoint: string, id: HubId, file: string): string {
  return `${endpoint}/${id.owner}/${id.name}/resolve/${encodeURIComponent(id.revision)}/${file}`;
}
