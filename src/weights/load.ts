/**
 * One entry point for weights: a path, URL, bytes or Blob in; float32 tensors and the
 * model configuration out. The format is told by the bytes, not the file name.
 */
import { blobSource, memorySource, type ByteSource } from '../platform/byte_source.js';
import { fetchBytes } from '../platform/network.js';
import { dirnameOf, isUrl, joinPath } from '../platform/paths.js';
import { platform } from '../platform/platform.js';
import { VqganError } from '../core/errors.js';
import { configFromObject, type VqganConfig } from '../model/config.js';
import { janusConfig } from '../model/released_configs.js';
import type { Tensor } from '../core/tensor.js';
import { readCheckpoint } from './checkpoint.js';
import type { StoredDtype } from './half.js';
import { readFlaxMsgpack } from './flax.js';
import { readSafetensors } from './safetensors.js';
import { checkAgreement, configOfShape, inferShape, type InferredShape } from './infer_config.js';
import { recognizeLayout, refuseForeign, type Layout } from './layouts.js';
import { readShardedFiles, SHARD_INDEXES } from './sharded.js';
import { parseYamlSubset } from './yaml.js';

export type WeightsInput = string | URL | Uint8Array | ArrayBuffer | Blob;

/** Configuration values and where they came from. */
export interface ValueSource {
  readonly from: string;
  readonly keys: readonly (keyof VqganConfig)[];
}

/** Every value of a configuration, in its order. */
const CONFIG_KEYS: readonly (keyof VqganConfig)[] = [
  'ch',
  'ch_mult',
  'num_res_blocks',
  'attn_resolutions',
  'z_channels',
  'resolution',
  'in_channels',
  'out_ch',
  'embed_dim',
  'n_embed',
  'attn_type',
  'quantizer',
];

/**
 * Bytes of the weights in so far, of `total`: a URL's download (`total` from its
 * Content-Length, undefined while unknown), or the tensor data read from a path, Blob or
 * bytes (`total` known once the file's index is read; the optimizer state and loss
 * networks a checkpoint also holds are never read, so they do not count). The last call
 * has `loaded === total`.
 */
export type LoadProgress = (loaded: number, total: number | undefined) => void;

export interface LoadedWeights {
  readonly tensors: Map<string, Tensor>;
  readonly config: VqganConfig;
  readonly format: 'checkpoint' | 'safetensors' | 'flax';
  /** Where the configuration came from, for `info` and messages. */
  readonly configSource: string;
  /** Where each value came from, for `info`. */
  readonly configValues: readonly ValueSource[];
  /** The names the file gave its tensors (they are taming's once loaded). */
  readonly layout: Layout['name'];
  /** How the model tensors are stored in the file (they are float32 once loaded). */
  readonly dtypes: readonly StoredDtype[];
  /** Bytes read from the weights file, and its size. */
  readonly bytesRead: number;
  readonly size: number;
}

/** `downloaded` when the bytes came over the network: then reading them is not reported again. */
async function openWeights(
  input: WeightsInput,
  onProgress?: LoadProgress,
): Promise<{ source: ByteSource; location: string | undefined; downloaded: boolean; }> {
  if (typeof input === 'string' || input instanceof URL) {
    const location = input.toString();
    if (isUrl(location)) {
      return { source: memorySource(await fetchBytes(location, { onProgress }), location), location, downloaded: true };
    }
    return { source: await platform().files.openFile(location), location, downloaded: false };
  }
  return { source: openInMemory(input), location: undefined, downloaded: false };
}

function openInMemory(input: Uint8Array | ArrayBuffer | Blob): ByteSource {
  if (input instanceof Uint8Array) return memorySource(input);
  if (input instanceof ArrayBuffer) return memorySource(new Uint8Array(input));
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    return blobSource(input, (input as { name?: string; }).name ?? '<blob>');
  }
  throw new VqganError('BAD_ARGUMENT', 'weights must be a path, URL, Uint8Array, ArrayBuffer or Blob');
}

type Format = LoadedWeights['format'];

async function sniffFormat(source: ByteSource): Promise<Format> {
  const head = await source.read(0, Math.min(source.size, 16));
  const ascii = String.fromCharCode(...head.subarray(0, 8));
  if (ascii.startsWith('PK\x03\x04') || ascii.startsWith('PK\x05\x06')) return 'checkpoint';
  // A Flax msgpack file starts with a map marker (fixmap 0x81–0x8f, map16 0xde, map32
  // 0xdf), then a key string (a PNG's 0x89 'P' is no such start). A safetensors header
  // length may start with such a byte too, but then the rest of it is small, while a
  // Flax file's first eight bytes, read as a length, reach far past its end
  // ("\x85\xa7encode…").
  const keyAt = head[0] === 0xde ? 3 : head[0] === 0xdf ? 5 : 1;
  const key = head[keyAt] ?? 0;
  const mapMarker = ((head[0]! >= 0x81 && head[0]! <= 0x8f) || head[0] === 0xde || head[0] === 0xdf)
    && ((key >= 0xa0 && key <= 0xbf) || (key >= 0xd9 && key <= 0xdb)); // fixstr, str8/16/32
  const fits = head.length >= 9
    && new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true) <= BigInt(source.size - 8);
  if (head.length >= 9 && head[8] === 0x7b /* '{' */ && (fits || !mapMarker)) return 'safetensors';
  if (mapMarker) return 'flax';
  const what = ascii.startsWith('\x89PNG')
    ? ' (it is a PNG image)'
    : head[0] === 0xff && head[1] === 0xd8
    ? ' (it is a JPEG image)'
    : '';
  throw new VqganError(
    'BAD_FORMAT',
    `${source.name}: not a weights file${what}; expected a PyTorch checkpoint (.ckpt/.pt zip), a .safetensors file or a Flax .msgpack file`,
  );
}

/**
 * The configuration file beside the weights, if there is one: `<name>.yaml` for
 * `<name>.ckpt` (Chameleon's vqgan.yaml), taming's config.yaml or model.yaml, or a
 * config.json; the first that holds a configuration.
 */
async function configBeside(location: string | undefined): Promise<ConfigFile | undefined> {
  if (location === undefined) return undefined;
  const dir = dirnameOf(location);
  const stem = /([^/\\]+?)(?:\.[^./\\]*)?$/.exec(location.replace(/[?#].*$/, ''))?.[1];
  const names = [...(stem === undefined ? [] : [`${stem}.yaml`]), 'config.yaml', 'model.yaml', 'config.json'];
  for (const name of new Set(names)) {
    const path = joinPath(dir, name);
    const text = isUrl(path) ? await fetchText(path) : await platform().files.readTextIfExists(path);
    if (text === undefined) continue;
    const found = configFromText(text, path);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * A configuration and where it came from. `stated`: the values its file states (Janus's
 * names only the codebook and the levels); the others are the weights' shapes'. undefined: all.
 */
export interface ConfigFile {
  readonly config: VqganConfig;
  readonly source: string;
  readonly stated?: readonly (keyof VqganConfig)[];
}

/** A configuration file's text (`name` ending in .json: JSON, else taming's YAML) → the configuration it holds, if any. */
export function configFromText(text: string, name: string): ConfigFile | undefined {
  const root = name.endsWith('.json') ? parseJson(text, name) : parseYamlSubset(text, name);
  const janus = janusConfig(root, name);
  if (janus !== undefined) return { ...janus, source: name };
  const config = configFromObject(root, name);
  return config === undefined ? undefined : { config, source: name };
}

async function fetchText(url: string): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await fetchBytes(url));
  } catch {
    return undefined; // no config beside a URL is not an error: the defaults apply
  }
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new VqganError('BAD_FORMAT', `${name}: not valid JSON (${(err as Error).message})`);
  }
}

/**
 * A local folder: its shard index (transformers' sharded safetensors) or its one weights
 * file; an index path itself. undefined for anything else (read as it is).
 */
async function localLayout(input: WeightsInput): Promise<{ index?: string; file?: string; } | undefined> {
  if (typeof input !== 'string' || isUrl(input)) return undefined;
  if (input.endsWith('.index.json')) return { index: input };
  if (!(await platform().files.isFolder(input))) return undefined;
  for (const name of SHARD_INDEXES) {
    const index = joinPath(input, name);
    if ((await platform().files.statPath(index)) !== undefined) return { index };
  }
  // A diffusers model folder (a pipeline's vqvae/) keeps its weights under its own name.
  const diffusers = joinPath(input, 'diffusion_pytorch_model.safetensors');
  if ((await platform().files.statPath(diffusers)) !== undefined) return { file: diffusers };
  return { file: joinPath(input, 'model.safetensors') };
}

type Found = ConfigFile | undefined;

/** The `config` option, else the one embedded in the file, else `beside` (a hub's), else a file beside `location`. */
async function configFor(
  config: VqganConfig | undefined,
  embedded: Found,
  location: string | undefined,
  beside: Found,
): Promise<Found> {
  if (config !== undefined) {
    const given = configFromObject(config, 'the config option');
    if (given === undefined) {
      throw new VqganError('BAD_ARGUMENT', 'the config option needs ch, ch_mult, … and n_embed, embed_dim');
    }
    return { config: given, source: 'the config option' };
  }
  return embedded ?? beside ?? (await configBeside(location));
}

/**
 * The tensors in taming's names with their configuration: the shapes decide what a
 * configuration cannot contradict, and all of it without one.
 */
function withConfig(
  read: {
    tensors: Map<string, Tensor>;
    dtypes: ReadonlySet<StoredDtype>;
    format: LoadedWeights['format'];
    bytesRead: number;
    size: number;
  },
  found: Found,
  name: string,
): LoadedWeights {
  const layout = recognizeLayout(read.tensors);
  refuseForeign(layout.tensors, name);
  const shape = inferShape(layout.tensors, name, layout.quantizer);
  if (found !== undefined) checkAgreement(found.config, shape, found.source, found.stated);
  const resolved = found === undefined
    ? { config: configOfShape(shape, name), source: 'the weights\' shapes' }
    : found.stated === undefined
    ? found
    : {
      config: configOfShape(shape, name, found.config.resolution),
      source: `${found.source} and the weights' shapes`,
    };
  return {
    tensors: layout.tensors,
    config: resolved.config,
    format: read.format,
    configSource: resolved.source,
    configValues: valueSources(found, layout, shape),
    layout: layout.name,
    dtypes: [...read.dtypes].sort(),
    bytesRead: read.bytesRead,
    size: read.size,
  };
}

/** Where a value comes from when the tensors' shapes decide it. */
const SHAPES = 'the weights\' shapes';

/** The sources of the configuration's values: a file (all, or what it states), the shapes, the layout, defaults. */
function valueSources(found: Found, layout: Layout, shape: InferredShape): ValueSource[] {
  if (found !== undefined && found.stated === undefined) {
    return [{ from: `${found.source} (agreeing with the weights' shapes)`, keys: CONFIG_KEYS }];
  }
  const stated = found?.stated ?? [];
  const quantizer: ValueSource = shape.quantizer === 'gumbel'
    ? { from: 'the keys (quantize.proj)', keys: ['quantizer'] }
    : layout.quantizer !== undefined
    ? { from: `the layout (${layout.name}'s names)`, keys: ['quantizer'] }
    : { from: 'the default', keys: ['quantizer'] };
  const sources: ValueSource[] = [
    ...(found === undefined ? [] : [{ from: found.source, keys: stated }]),
    { from: SHAPES, keys: CONFIG_KEYS.filter((k) => !stated.includes(k) && k !== 'quantizer' && k !== 'resolution') },
    ...(stated.includes('quantizer') ? [] : [quantizer]),
    ...(stated.includes('resolution')
      ? []
      : [{ from: 'taming\'s default (it places attention)', keys: ['resolution'] as const }]),
  ];
  return sources.filter((s) => s.keys.length > 0);
}

/**
 * Reads the model tensors (never the optimizer state or `loss.*`) and works out the
 * configuration: `config` when given, else the checkpoint's hyper-parameters, else safetensors metadata `config`,
 * else a configuration file beside the file (a Flax msgpack file holds none); it must agree
 * with the tensors' shapes (src/weights/infer_config.ts). Without any, the shapes give the
 * configuration. Tensors of no known layout are refused (refuseForeign).
 * `onProgress` hears of the bytes as they come in (see LoadProgress).
 */
export async function loadWeights(
  input: WeightsInput,
  config?: VqganConfig,
  onProgress?: LoadProgress,
  beside?: ConfigFile,
): Promise<LoadedWeights> {
  const local = await localLayout(input);
  if (local?.index !== undefined) {
    const read = await readShardedFiles(local.index);
    const found = await configFor(config, undefined, local.index, beside);
    const format = local.index.endsWith('.bin.index.json') ? 'checkpoint' : 'safetensors';
    return withConfig({ ...read, format }, found, local.index);
  }
  const { source, location, downloaded } = await openWeights(local?.file ?? input, onProgress);
  const onRead = downloaded ? undefined : onProgress;
  try {
    const format = await sniffFormat(source);
    let read: { tensors: Map<string, Tensor>; dtypes: ReadonlySet<StoredDtype>; };
    let embedded: VqganConfig | undefined;
    if (format === 'checkpoint') {
      const ckpt = await readCheckpoint(source, onRead);
      read = ckpt;
      embedded = configFromObject(ckpt.hyperParameters, `${source.name} hyper_parameters`);
    } else if (format === 'flax') {
      read = await readFlaxMsgpack(source, onRead); // no configuration inside: config.json beside it
    } else {
      const st = await readSafetensors(source, onRead);
      read = st;
      const text = st.metadata?.config;
      if (text !== undefined) {
        embedded = configFromObject(parseJson(text, `${source.name} metadata config`), `${source.name} metadata`);
      }
    }
    const found = await configFor(
      config,
      embedded === undefined ? undefined : { config: embedded, source: `${source.name} (embedded)` },
      location,
      beside,
    );
    return withConfig({ ...read, format, bytesRead: source.bytesRead, size: source.size }, found, source.name);
  } finally {
    await source.close();
  }
}
