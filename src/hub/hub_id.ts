/**
 * Hugging Face hub model ids: `owner/name[/folder…][/file][@revision]`, e.g.
 * `boris/vqgan_f16_16384`, `amused/amused-256/vqvae` (the model in a folder of the
 * repository), `FoundationVision/LlamaGen/vq_ds16_c2i.pt` (one weights file of several)
 * or `dalle-mini/vqgan_imagenet_f16_16384@main`. The grammar is the hub's own (letters,
 * digits, `_`, `-`, `.`; no `--` or `..`; neither part starts or ends with `-` or `.`),
 * narrowed so that a mistyped local file is never taken for a model: a name ending in a
 * file extension we read (`weights/model.ckpt`) is not an id, and neither is a path with
 * an image or configuration file in it; only a weights file may end an id.
 */
import { VqganError } from '../core/errors.js';

export interface HubId {
  readonly owner: string;
  readonly name: string;
  /** A branch, tag or commit; `main` unless the id says `@…`. */
  readonly revision: string;
  /** The folder in the repository that holds the model ('' for its root), e.g. 'vqvae'. */
  readonly subfolder: string;
  /** One weights file the id names (in `subfolder`); undefined: the model's files are looked for. */
  readonly file?: string;
}

/** What `--weights` means when it is left out, and what `vqgan fetch` fetches by default. */
export const DEFAULT_MODEL = 'boris/vqgan_f16_16384';

const PART = '[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?';
const ID = new RegExp(
  `^(${PART})/(${PART})((?:/[A-Za-z0-9_.-]{1,200}){0,8})(?:@([A-Za-z0-9_][A-Za-z0-9_./-]{0,199}))?$`,
);
const FILE_NAME = /\.(ckpt|pt|pth|bin|safetensors|msgpack|ya?ml|json|npy|png|jpe?g)$/i;
const WEIGHTS_FILE = /\.(ckpt|pt|pth|bin|safetensors|msgpack)$/i;

/** The id `text` spells, or undefined when it does not follow the grammar. */
export function parseHubId(text: string): HubId | undefined {
  const m = ID.exec(text);
  if (m === null) return undefined;
  const [, owner, name, path, revision = 'main'] = m as unknown as [string, string, string, string, string | undefined];
  if (/--|\.\./.test(owner) || /--|\.\./.test(name) || FILE_NAME.test(name)) return undefined;
  if (revision.includes('..') || revision.includes('//') || revision.endsWith('/')) return undefined;
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '.' || s === '..')) return undefined;
  const last = segments[segments.length - 1];
  const file = last !== undefined && WEIGHTS_FILE.test(last) ? last : undefined;
  const folders = file === undefined ? segments : segments.slice(0, -1);
  if (folders.some((s) => FILE_NAME.test(s))) return undefined;
  return { owner, name, revision, subfolder: folders.join('/'), ...(file === undefined ? {} : { file }) };
}

/** `id` with `subfolder` (the API's option) below its own folder. */
export function withSubfolder(id: HubId, subfolder: string | undefined): HubId {
  if (subfolder === undefined || subfolder === '') return id;
  const clean = subfolder.replace(/^\/+|\/+$/g, '');
  const parsed = parseHubId(`o/n/${clean}`);
  if (parsed === undefined || parsed.file !== undefined || parsed.subfolder !== clean) {
    throw new VqganError(
      'BAD_ARGUMENT',
      `subfolder ${JSON.stringify(subfolder)}: expected folder names such as 'vqvae'`,
    );
  }
  return { ...id, subfolder: [id.subfolder, clean].filter((s) => s !== '').join('/') };
}

/** `owner/name[/subfolder][/file]`, with `@revision` unless it is `main`. */
export function formatHubId(id: HubId): string {
  const path = [id.owner, id.name, id.subfolder, id.file ?? ''].filter((s) => s !== '').join('/');
  return id.revision === 'main' ? path : `${path}@${id.revision}`;
}

/** The hub's address of one file of a model: `{endpoint}/{owner}/{name}/resolve/{revision}/{subfolder/}{file}`. */
export function hubFileUrl(endpoint: string, id: HubId, file: string): string {
  const path = id.subfolder === '' ? file : `${id.subfolder}/${file}`;
  return `${endpoint}/${id.owner}/${id.name}/resolve/${encodeURIComponent(id.revision)}/${path}`;
}
