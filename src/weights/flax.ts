/**
 * Flax msgpack weights (`flax_model.msgpack` of flax-community/vqgan_f16_16384 and
 * dalle-mini/vqgan_imagenet_f16_16384) → the PyTorch state-dict names and layouts the
 * model takes.
 *
 * The file is `flax.serialization.to_bytes(params)` as transformers'
 * FlaxPreTrainedModel.save_pretrained writes it: one msgpack map of module names to
 * nested maps, each array an ext value of type 1 whose payload is msgpack of
 * (shape, dtype name, C-order little-endian bytes). Arrays over flax's MAX_CHUNK_SIZE
 * (2^30 bytes) are written as {"__msgpack_chunked_array__": true, "shape": {"0": d0, …},
 * "chunks": {"0": flat array, …}} (flax/serialization.py, _chunk / _unchunk); no array of
 * this model comes near that, but the form is read all the same.
 *
 * The names are those of patil-suraj/vqgan-jax (modeling_flax_vqgan.py), which both hub
 * files were made with by its convert_pt_model_to_jax.py:
 *
 * - rename_key() turns every `name.N` of a PyTorch key into `name_N` with the SAME N
 *   (regex `\w+[.]\d+`): `decoder.up.3.block.1` → `decoder.up_3.block_1`.
 * - In modeling_flax_vqgan.py, Decoder.setup builds its UpsamplingBlocks in execution
 *   order, `for i_level in reversed(range(num_resolutions))` with `block_idx=i_level`,
 *   then stores `self.up = list(reversed(upsample_blocks))  # reverse to get consistent
 *   order`, so `self.up[i]` (flax names list members `up_0`, `up_1`, …) is the block of
 *   LEVEL i, and `__call__` runs `for block in reversed(self.up)`. So Flax's `up_{i}` is
 *   PyTorch's `decoder.up.{i}`: level i, 0 = full resolution, the one without an
 *   upsample. (The conversion's shape check cannot tell levels 0 and 1 apart, which have
 *   the same channels; this mapping does not rely on it.) `down_{i}` likewise is level i.
 * - VQGANPreTrainedModel.init_weights returns `self.module.init(...)["params"]`, and
 *   save_pretrained writes `to_bytes(self.params)`: the top level holds the module names
 *   (encoder, decoder, quantize, quant_conv, post_quant_conv) directly. A file wrapped
 *   in a sole `params` key (a training checkpoint's layout) is read too.
 * - The conversion renames a GroupNorm's `weight` to `scale` and reshapes it and the bias
 *   with `[None, None, None, :]` to (1, 1, 1, C), the shape flax's GroupNorm had then;
 *   current flax keeps (C,). Conv weights become `kernel`, transposed (2, 3, 1, 0) from
 *   OIHW to HWIO; the codebook `quantize.embedding.weight` becomes
 *   `quantize.embedding.embedding`.
 *
 * The file is read in two passes: its structure (keys and array headers) first, every
 * array's bytes skipped; then, once every key, dtype and shape has been checked, each
 * tensor's bytes on their own, reported to `onProgress` like the other loaders.
 */
import type { ByteSource } from '../platform/byte_source.js';
import { VqganError, formatShape } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { STORED_ITEM_SIZE, decodeToFloat32, type StoredDtype } from './half.js';
import { MAX_DEPTH, MsgpackReader, describeToken, type MsgpackToken } from './msgpack.js';

export interface FlaxWeights {
  /** Model tensors by PyTorch state-dict key, float32, in PyTorch layouts. */
  readonly tensors: Map<string, Tensor>;
  /** How the tensors are stored, before their conversion to float32. */
  readonly dtypes: ReadonlySet<StoredDtype>;
}

/** flax ext type ids (flax/serialization.py, _MsgpackExtType). */
const EXT_NDARRAY = 1;
const EXT_NPSCALAR = 3;
const CHUNKED = '__msgpack_chunked_array__';

const READ_DTYPES: Readonly<Record<string, StoredDtype>> = {
  float32: 'float32',
  float16: 'float16',
  bfloat16: 'bfloat16',
};
/** numpy can hold more dimensions, but no array of this model has more than 4. */
const MAX_RANK = 32;

/** One array of the file: where its bytes lie, not the bytes. */
interface ArrayNode {
  readonly kind: 'array';
  readonly at: number;
  readonly shape: readonly number[];
  readonly dtype: string;
  /** Byte ranges in the file whose concatenation is the C-order data (several when chunked). */
  readonly ranges: readonly { readonly offset: number; readonly length: number; }[];
}
interface TreeNode {
  readonly kind: 'tree';
  readonly at: number;
  readonly entries: Map<string, Node>;
}
/** Anything else (an int, a bool, …): kept only to be named in errors and for chunked arrays. */
interface OtherNode {
  readonly kind: 'other';
  readonly at: number;
  readonly what: string;
  readonly value?: unknown;
}
type Node = ArrayNode | TreeNode | OtherNode;

// ---------------------------------------------------------------------------------------
// Pass 1: the structure.

async function readNode(reader: MsgpackReader, depth: number): Promise<Node> {
  const t = await reader.next();
  if (t.kind === 'map') {
    if (depth >= MAX_DEPTH) throw reader.fail(`nesting deeper than ${MAX_DEPTH} levels`, t.at);
    const entries = new Map<string, Node>();
    for (let i = 0; i < t.length; i++) {
      const k = await reader.next();
      if (k.kind !== 'str') throw reader.fail(`a map key is a ${describeToken(k)}; Flax keys are strings`, k.at);
      if (entries.has(k.value)) throw reader.fail(`duplicate key ${JSON.stringify(k.value)}`, k.at);
      entries.set(k.value, await readNode(reader, depth + 1));
    }
    return { kind: 'tree', at: t.at, entries };
  }
  if (t.kind === 'ext' && (t.type === EXT_NDARRAY || t.type === EXT_NPSCALAR)) return readArrayHeader(reader, t);
  await reader.skipContents(t, depth);
  const value = t.kind === 'int' || t.kind === 'bool' || t.kind === 'float' || t.kind === 'str' ? t.value : undefined;
  return { kind: 'other', at: t.at, what: describeToken(t), value };
}

/** An ext 1 payload: msgpack of [shape, dtype name, data]; the data is located, not read. */
async function readArrayHeader(outer: MsgpackReader, ext: MsgpackToken & { kind: 'ext'; }): Promise<ArrayNode> {
  const r = outer.sub(ext.offset, ext.length);
  const bad = (why: string, at: number): VqganError =>
    r.fail(`the array (ext type ${ext.type}) at byte ${ext.at}: ${why}`, at);
  const tuple = await r.next();
  if (tuple.kind !== 'array' || tuple.length !== 3) {
    throw bad(`holds a ${describeToken(tuple)}, not [shape, dtype, data]`, tuple.at);
  }
  const dims = await r.next();
  if (dims.kind !== 'array') throw bad(`its shape is a ${describeToken(dims)}`, dims.at);
  if (dims.length > MAX_RANK) throw bad(`its shape has ${dims.length} dimensions`, dims.at);
  const shape: number[] = [];
  for (let i = 0; i < dims.length; i++) {
    const d = await r.next();
    if (d.kind !== 'int' || typeof d.value !== 'number' || d.value < 0) {
      throw bad(`dimension ${i} is a ${describeToken(d)}`, d.at);
    }
    shape.push(d.value);
  }
  const name = await r.next();
  let dtype: string;
  if (name.kind === 'str') dtype = name.value;
  else if (name.kind === 'bin' && name.length <= 64) {
    dtype = String.fromCharCode(...(await r.bytes(name.offset, name.length)));
  } else throw bad(`its dtype is a ${describeToken(name)}`, name.at);
  const data = await r.next();
  if (data.kind !== 'bin') throw bad(`its data is a ${describeToken(data)}, not bin`, data.at);
  r.expectEnd(`the array at byte ${ext.at}`);
  return { kind: 'array', at: ext.at, shape, dtype, ranges: [{ offset: data.offset, length: data.length }] };
}

// ---------------------------------------------------------------------------------------
// Pass 2: names, dtypes and shapes.

type Kind = 'conv' | 'norm' | 'embedding';
interface Rule {
  readonly match: RegExp;
  readonly torch: (m: RegExpMatchArray) => string;
  readonly next: Module;
}
type Module = Kind | readonly Rule[];

/** A child with one of these names, the same in PyTorch. */
const named = (names: string, next: Module): Rule => ({
  match: new RegExp(`^(?:${names})$`),
  torch: (m) => m[0],
  next,
});
/** A list member: Flax `name_N` is PyTorch `name.N` (the same N; see the top comment). */
const indexed = (name: string, next: Module): Rule => ({
  match: new RegExp(`^${name}_(0|[1-9][0-9]{0,3})$`),
  torch: (m) => `${name}.${m[1]}`,
  next,
});

const RESNET: Module = [named('norm1|norm2', 'norm'), named('conv1|conv2|nin_shortcut', 'conv')];
const ATTN: Module = [named('norm', 'norm'), named('q|k|v|proj_out', 'conv')];
// The middle's blocks are attributes called block_1, attn_1, block_2 in both.
const MID: Module = [named('block_1|block_2', RESNET), named('attn_1', ATTN)];
const level = (
  resample: string,
): Module => [indexed('block', RESNET), indexed('attn', ATTN), named(resample, [named('conv', 'conv')])];
const coder = (levels: string, resample: string): Module => [
  named('conv_in|conv_out', 'conv'),
  named('norm_out', 'norm'),
  named('mid', MID),
  indexed(levels, level(resample)),
];
const ROOT: Module = [
  named('encoder', coder('down', 'downsample')),
  named('decoder', coder('up', 'upsample')),
  named('quant_conv|post_quant_conv', 'conv'),
  named('quantize', [named('embedding', 'embedding')]),
];
/** Flax parameter names → PyTorch's, by module kind. */
const LEAVES: Readonly<Record<Kind, Readonly<Record<string, string>>>> = {
  conv: { kernel: 'weight', bias: 'bias' },
  norm: { scale: 'weight', bias: 'bias' },
  embedding: { embedding: 'weight' },
};

interface Target {
  readonly key: string;
  readonly kind: Kind;
  readonly leaf: string;
}

/** The PyTorch key of Flax path `path`, or undefined when the model has no such tensor. */
function targetOf(path: readonly string[]): Target | undefined {
  let module: Module = ROOT;
  const torch: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (typeof module === 'string') {
      const leaf = LEAVES[module][seg];
      if (leaf === undefined || i !== path.length - 1) return undefined;
      return { key: [...torch, leaf].join('.'), kind: module, leaf: seg };
    }
    let found = false;
    for (const rule of module) {
      const m = seg.match(rule.match);
      if (m !== null) {
        torch.push(rule.torch(m));
        module = rule.next;
        found = true;
        break;
      }
    }
    if (!found) return undefined;
  }
  return undefined; // a module, not a parameter
}

/** Flax's chunked form → one array of the concatenated chunks. */
function unchunk(name: string, path: string, tree: TreeNode): ArrayNode {
  const bad = (why: string): VqganError =>
    new VqganError('BAD_FORMAT', `${name}: chunked array ${path} (at byte ${tree.at}) ${why}`);
  const keys = [...tree.entries.keys()].sort();
  if (keys.join() !== ['__msgpack_chunked_array__', 'chunks', 'shape'].join()) {
    throw bad(`has keys ${keys.join(', ')}; expected ${CHUNKED}, shape, chunks`);
  }
  /** The entries "0" … "n-1" of a tuple stored as a map, in order. */
  const tuple = (key: string): Node[] => {
    const node = tree.entries.get(key)!;
    if (node.kind !== 'tree') throw bad(`has a ${key} that is not a map`);
    const out: Node[] = [];
    for (let i = 0; i < node.entries.size; i++) {
      const item = node.entries.get(String(i));
      if (item === undefined) throw bad(`has ${key} without entry "${i}"`);
      out.push(item);
    }
    return out;
  };
  const shape = tuple('shape').map((d, i) => {
    if (d.kind !== 'other' || typeof d.value !== 'number' || !Number.isSafeInteger(d.value) || d.value < 0) {
      throw bad(`has dimension ${i} that is not a size`);
    }
    return d.value;
  });
  const chunks = tuple('chunks').map((c, i) => {
    if (c.kind !== 'array' || c.shape.length !== 1) throw bad(`has chunk ${i} that is not a flat array`);
    return c;
  });
  if (chunks.length === 0) throw bad('has no chunks');
  const dtype = chunks[0]!.dtype;
  if (chunks.some((c) => c.dtype !== dtype)) {
    throw bad(`mixes dtypes ${[...new Set(chunks.map((c) => c.dtype))].join(', ')}`);
  }
  const numel = chunks.reduce((n, c) => n + c.shape[0]!, 0);
  if (numel !== product(shape)) throw bad(`has chunks of ${numel} values in all, but shape ${formatShape(shape)}`);
  return { kind: 'array', at: tree.at, shape, dtype, ranges: chunks.flatMap((c) => c.ranges) };
}

function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

interface Planned {
  readonly flaxKey: string;
  readonly target: Target;
  readonly node: ArrayNode;
  readonly dtype: StoredDtype;
  /** The PyTorch shape. */
  readonly shape: readonly number[];
  readonly bytes: number;
}

/** Every parameter of the tree in file order, named, its dtype and shape checked. */
function plan(name: string, root: TreeNode): Planned[] {
  const out: Planned[] = [];
  const visit = (node: Node, path: string[]): void => {
    const flaxKey = path.join('.');
    if (node.kind === 'tree' && !node.entries.has(CHUNKED)) {
      if (node.entries.size === 0 && !isModulePrefix(path)) throw unexpected(name, flaxKey, node);
      for (const [k, child] of node.entries) visit(child, [...path, k]);
      return;
    }
    const target = targetOf(path);
    if (target === undefined) throw unexpected(name, flaxKey, node);
    if (node.kind === 'other') {
      throw new VqganError('BAD_FORMAT', `${name}: ${flaxKey} is a ${node.what} (at byte ${node.at}), not an array`);
    }
    const array = node.kind === 'tree' ? unchunk(name, flaxKey, node) : node;
    out.push(check(name, flaxKey, target, array));
  };
  for (const [k, child] of root.entries) visit(child, [k]);
  return out;
}

/** Whether `path` names a module of the model (so an empty map there is harmless). */
function isModulePrefix(path: readonly string[]): boolean {
  let module: Module = ROOT;
  for (const seg of path) {
    if (typeof module === 'string') return false;
    const rule: Rule | undefined = module.find((r) => r.match.test(seg));
    if (rule === undefined) return false;
    module = rule.next;
  }
  return true;
}

function unexpected(name: string, flaxKey: string, node: Node): VqganError {
  return new VqganError(
    'UNEXPECTED_KEY',
    `${name}: Flax key ${flaxKey} (at byte ${node.at}) is not part of this model (expected names like encoder.down_0.block_0.conv1.kernel or decoder.up_4.attn_0.q.bias)`,
  );
}

function check(name: string, flaxKey: string, target: Target, node: ArrayNode): Planned {
  const dtype = READ_DTYPES[node.dtype];
  if (dtype === undefined) {
    throw new VqganError(
      'UNSUPPORTED',
      `${name}: ${flaxKey} (at byte ${node.at}) is ${node.dtype}; only ${Object.keys(READ_DTYPES).join(', ')} are read`,
    );
  }
  const bytes = node.ranges.reduce((n, r) => n + r.length, 0);
  const need = product(node.shape) * STORED_ITEM_SIZE[dtype];
  if (need !== bytes) {
    throw new VqganError(
      'BAD_FORMAT',
      `${name}: ${flaxKey} (${node.dtype} ${
        formatShape(node.shape)
      }, at byte ${node.at}) needs ${need} bytes but holds ${bytes}`,
    );
  }
  const s = node.shape;
  const badShape = (expected: string): VqganError =>
    new VqganError('BAD_SHAPE', `${name}: ${flaxKey} (at byte ${node.at}) has shape ${formatShape(s)}; ${expected}`);
  let shape: readonly number[];
  if (target.kind === 'conv' && target.leaf === 'kernel') {
    if (s.length !== 4) throw badShape('a convolution kernel is (height, width, in, out)');
    shape = [s[3]!, s[2]!, s[0]!, s[1]!];
  } else if (target.kind === 'embedding') {
    if (s.length !== 2) throw badShape('the codebook is (n_embed, embed_dim)');
    shape = s;
  } else if (s.length === 1) {
    shape = s;
  } else if (target.kind === 'norm' && s.length === 4 && s[0] === 1 && s[1] === 1 && s[2] === 1) {
    shape = [s[3]!]; // older files: (1, 1, 1, C)
  } else {
    throw badShape(target.kind === 'norm' ? 'a GroupNorm parameter is (C,) or (1, 1, 1, C)' : 'a bias is (C,)');
  }
  return { flaxKey, target, node, dtype, shape, bytes };
}

/** (H, W, I, O) → (O, I, H, W). */
function hwioToOihw(src: Float32Array, h: number, w: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(src.length);
  const plane = h * w;
  const perOut = cin * plane;
  let s = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < cin; c++) {
        let d = c * plane + y * w + x;
        for (let o = 0; o < cout; o++, d += perOut) out[d] = src[s++]!;
      }
    }
  }
  return out;
}

async function readData(src: ByteSource, p: Planned): Promise<Uint8Array> {
  if (p.node.ranges.length === 1) return src.read(p.node.ranges[0]!.offset, p.bytes);
  const out = new Uint8Array(p.bytes);
  let at = 0;
  for (const r of p.node.ranges) {
    out.set(await src.read(r.offset, r.length), at);
    at += r.length;
  }
  return out;
}

/**
 * Reads a Flax msgpack file's parameters as PyTorch-named float32 tensors. `onProgress`
 * hears of the tensor bytes read, of the total the parameters take (known once the
 * structure is read).
 */
export async function readFlaxMsgpack(
  src: ByteSource,
  onProgress?: (loaded: number, total: number) => void,
): Promise<FlaxWeights> {
  const reader = new MsgpackReader(src);
  const top = await readNode(reader, 0);
  reader.expectEnd('the top-level map');
  if (top.kind !== 'tree') {
    throw new VqganError(
      'BAD_FORMAT',
      `${src.name}: not a Flax msgpack file: it holds a ${
        top.kind === 'array' ? 'bare array' : top.what
      }, not a map of modules`,
    );
  }
  const wrapped = top.entries.size === 1 ? top.entries.get('params') : undefined;
  const root = wrapped?.kind === 'tree' ? wrapped : top;
  const planned = plan(src.name, root);

  const tensors = new Map<string, Tensor>();
  const dtypes = new Set<StoredDtype>();
  const total = planned.reduce((n, p) => n + p.bytes, 0);
  let done = 0;
  onProgress?.(0, total);
  for (const p of planned) {
    if (tensors.has(p.target.key)) {
      throw new VqganError('BAD_FORMAT', `${src.name}: ${p.flaxKey} is a second copy of ${p.target.key}`);
    }
    let values = decodeToFloat32(await readData(src, p), p.dtype);
    const s = p.node.shape;
    if (p.target.kind === 'conv' && p.target.leaf === 'kernel') values = hwioToOihw(values, s[0]!, s[1]!, s[2]!, s[3]!);
    tensors.set(p.target.key, new Tensor(p.shape, values));
    dtypes.add(p.dtype);
    done += p.bytes;
    onProgress?.(done, total);
  }
  return { tensors, dtypes };
}
