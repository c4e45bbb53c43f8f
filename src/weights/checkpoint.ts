/**
 * PyTorch checkpoints (torch.save's zip format, as PyTorch Lightning writes them):
 * `<archive>/data.pkl` describes the objects, `<archive>/data/<key>` holds each storage's
 * raw little-endian bytes. Only the storages the model tensors use are read, and of
 * each only the byte range those tensors cover, so a checkpoint's optimizer state and
 * loss networks cost nothing but their directory entries.
 */
import type { ByteSource } from '../platform/byte_source.js';
import { VqganError, formatShape } from '../core/errors.js';
import { Tensor, shapeSize } from '../core/tensor.js';
import { STORED_ITEM_SIZE, decodeToFloat32, type StoredDtype } from './half.js';
import { toPlain } from './omegaconf.js';
import { unpickle } from './pickle.js';
import { TorchStorage, TorchTensor, describe } from './pickle_values.js';
import { readZipDirectory, readZipEntry, readZipEntryRange, type ZipEntry } from './zip.js';
import { tokenizerKeys } from './layouts.js';

export interface Checkpoint {
  /** Model tensors by state-dict key, float32 and contiguous; `loss.*` left out. */
  readonly tensors: Map<string, Tensor>;
  /** The checkpoint's `hyper_parameters` as plain values, e.g. {embed_dim, n_embed, ddconfig}. */
  readonly hyperParameters: unknown | undefined;
  /** How the model tensors are stored, before their conversion to float32. */
  readonly dtypes: ReadonlySet<StoredDtype>;
}

const STORAGE_DTYPES: Readonly<Record<string, StoredDtype>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
};

/** One storage entry and the element range [lo, hi] that the wanted tensors touch. */
interface StoragePlan {
  readonly storage: TorchStorage;
  readonly dtype: StoredDtype;
  lo: number;
  hi: number;
  readonly users: { key: string; tensor: TorchTensor; }[];
}

async function findPickle(
  src: ByteSource,
): Promise<{ pickle: ZipEntry; entries: Map<string, ZipEntry>; prefix: string; }> {
  let list: ZipEntry[];
  try {
    list = await readZipDirectory(src);
  } catch (err) {
    // torch.save before PyTorch 1.6 wrote a bare pickle stream: say so rather than "not a zip".
    if (err instanceof VqganError && err.code === 'BAD_FORMAT' && src.size > 0 && (await src.read(0, 1))[0] === 0x80) {
      throw new VqganError(
        'UNSUPPORTED',
        `${src.name}: a legacy (pre-1.6) torch.save file; re-save it with a current PyTorch, or convert it to .safetensors`,
      );
    }
    throw err;
  }
  const pickles = list.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (pickles.length !== 1) {
    const why = pickles.length === 0
      ? 'has no <archive>/data.pkl'
      : `has ${pickles.length} data.pkl entries (${pickles.map((e) => e.name).join(', ')})`;
    throw new VqganError('BAD_FORMAT', `${src.name}: a zip, but not a PyTorch checkpoint: it ${why}`);
  }
  const pickle = pickles[0]!;
  return { pickle, entries: new Map(list.map((e) => [e.name, e])), prefix: pickle.name.slice(0, -'data.pkl'.length) };
}

/** Where checkpoints keep their weights: Lightning's `state_dict`, LlamaGen's `model`, an `ema` copy. */
const STATE_DICT_KEYS = ['state_dict', 'model', 'ema'] as const;

/** The state dict of a checkpoint (under one of STATE_DICT_KEYS), or the root itself when it is a bare state dict. */
function stateDictOf(root: unknown, name: string): Map<unknown, unknown> {
  if (root instanceof Map) {
    for (const key of STATE_DICT_KEYS) {
      const sd = root.get(key);
      if (sd instanceof Map) return sd;
    }
    if (root.size > 0 && [...root.values()].every((v) => v instanceof TorchTensor)) return root;
  }
  throw new VqganError(
    'BAD_FORMAT',
    `${name}: checkpoint holds a ${describe(root)} with no ${STATE_DICT_KEYS.join(', ')} and no tensors`,
  );
}

/** The last storage element a strided view with elements reaches, checked to lie in the storage. */
function lastElement(key: string, t: TorchTensor, name: string): number {
  let last = t.offset;
  for (let d = 0; d < t.shape.length; d++) {
    if (t.stride[d]! < 0) {
      throw new VqganError('BAD_FORMAT', `${name}: tensor ${key} has a negative stride ${formatShape(t.stride)}`);
    }
    last += (t.shape[d]! - 1) * t.stride[d]!;
  }
  if (last >= t.storage.numel) {
    throw new VqganError(
      'BAD_FORMAT',
      `${name}: tensor ${key} (shape ${formatShape(t.shape)}, stride ${
        formatShape(t.stride)
      }, offset ${t.offset}) reaches element ${last} of storage ${t.storage.key}, which holds ${t.storage.numel}`,
    );
  }
  return last;
}

/** Groups the wanted tensors by storage, with the element range each storage must supply. */
function planStorages(
  stateDict: Map<unknown, unknown>,
  name: string,
  pick: (keys: readonly string[]) => Map<string, string>,
): { order: [string, TorchTensor][]; plans: Map<string, StoragePlan>; } {
  const order: [string, TorchTensor][] = [];
  const plans = new Map<string, StoragePlan>();
  const bad = [...stateDict.keys()].find((key) => typeof key !== 'string');
  if (bad !== undefined) throw new VqganError('BAD_FORMAT', `${name}: state_dict has a ${describe(bad)} key`);
  const names = pick([...stateDict.keys()] as string[]);
  for (const [stored, value] of stateDict as Map<string, unknown>) {
    const key = names.get(stored);
    if (key === undefined) continue;
    if (!(value instanceof TorchTensor)) {
      throw new VqganError('UNSUPPORTED', `${name}: state_dict entry ${key} is a ${describe(value)}, not a tensor`);
    }
    const dtype = STORAGE_DTYPES[value.storage.storageType];
    if (dtype === undefined) {
      throw new VqganError(
        'UNSUPPORTED',
        `${name}: tensor ${key} is stored as ${value.storage.storageType}; only ${
          Object.keys(STORAGE_DTYPES).join(', ')
        } are read`,
      );
    }
    order.push([key, value]);
    if (shapeSize(value.shape) === 0) continue;
    const lo = value.offset;
    const hi = lastElement(key, value, name);
    const plan = plans.get(value.storage.key);
    if (plan === undefined) {
      plans.set(value.storage.key, { storage: value.storage, dtype, lo, hi, users: [{ key, tensor: value }] });
    } else {
      if (plan.dtype !== dtype) {
        throw new VqganError(
          'BAD_FORMAT',
          `${name}: storage ${value.storage.key} is read both as ${plan.dtype} and as ${dtype} (tensor ${key})`,
        );
      }
      plan.lo = Math.min(plan.lo, lo);
      plan.hi = Math.max(plan.hi, hi);
      plan.users.push({ key, tensor: value });
    }
  }
  return { order, plans };
}

/** Row-major strides (size-1 dimensions may have any stride). */
function isContiguous(t: TorchTensor): boolean {
  let step = 1;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    if (t.shape[d] !== 1 && t.stride[d] !== step) return false;
    step *= t.shape[d]!;
  }
  return true;
}

/** The view `t` of storage values that start at element `base`, as a new contiguous array. */
function gather(values: Float32Array, base: number, t: TorchTensor): Float32Array {
  const numel = shapeSize(t.shape);
  const start = t.offset - base;
  if (isContiguous(t)) return values.slice(start, start + numel);
  // Odometer over the multi-index, moving the source position by the strides.
  const out = new Float32Array(numel);
  const index = new Array<number>(t.shape.length).fill(0);
  let at = start;
  for (let i = 0; i < numel; i++) {
    out[i] = values[at]!;
    for (let d = t.shape.length - 1; d >= 0; d--) {
      if (++index[d]! < t.shape[d]!) {
        at += t.stride[d]!;
        break;
      }
      index[d] = 0;
      at -= (t.shape[d]! - 1) * t.stride[d]!;
    }
  }
  return out;
}

/** Reads one storage's needed range and cuts each of its tensors out of it. */
async function loadStorage(
  src: ByteSource,
  entry: ZipEntry | undefined,
  plan: StoragePlan,
  out: Map<string, Tensor>,
): Promise<void> {
  const itemSize = STORED_ITEM_SIZE[plan.dtype];
  const firstKey = plan.users[0]!.key;
  if (entry === undefined) {
    throw new VqganError(
      'BAD_FORMAT',
      `${src.name}: storage ${plan.storage.key} of tensor ${firstKey} is missing from the zip`,
    );
  }
  if (entry.uncompressedSize < plan.storage.numel * itemSize) {
    throw new VqganError(
      'BAD_FORMAT',
      `${src.name}: storage ${plan.storage.key} of tensor ${firstKey} has ${entry.uncompressedSize} bytes, less than ${plan.storage.numel} ${plan.dtype} values`,
    );
  }
  const bytes = await readZipEntryRange(src, entry, plan.lo * itemSize, planBytes(plan));
  const values = decodeToFloat32(bytes, plan.dtype);
  for (const { key, tensor } of plan.users) {
    // The common case, one tensor filling its range in order, keeps the decoded array.
    const whole = plan.users.length === 1 && shapeSize(tensor.shape) === values.length && isContiguous(tensor);
    out.set(key, new Tensor(tensor.shape, whole ? values : gather(values, plan.lo, tensor)));
  }
}

/** Bytes of a storage that its plan reads. */
const planBytes = (plan: StoragePlan): number => (plan.hi - plan.lo + 1) * STORED_ITEM_SIZE[plan.dtype];

/**
 * `onProgress` hears of the tensor bytes read, of the total the model tensors need (known
 * once the pickle is read). `pick` chooses, from the state dict's keys, the tensors to
 * read and the names to give them (default: the model tensors, or a whole model's
 * tokenizer; see tokenizerKeys); the others are never read.
 */
export async function readCheckpoint(
  src: ByteSource,
  onProgress?: (loaded: number, total: number) => void,
  pick: (keys: readonly string[]) => Map<string, string> = tokenizerKeys,
): Promise<Checkpoint> {
  const { pickle, entries, prefix } = await findPickle(src);
  const root = unpickle(await readZipEntry(src, pickle), src.name);
  const { order, plans } = planStorages(stateDictOf(root, src.name), src.name, pick);
  const loaded = new Map<string, Tensor>();
  const total = [...plans.values()].reduce((sum, plan) => sum + planBytes(plan), 0);
  let done = 0;
  onProgress?.(0, total);
  for (const plan of plans.values()) {
    await loadStorage(src, entries.get(`${prefix}data/${plan.storage.key}`), plan, loaded);
    done += planBytes(plan);
    onProgress?.(done, total);
  }
  // State-dict order; tensors with no elements never had a storage to read.
  const tensors = new Map(order.map(([key, t]) => [key, loaded.get(key) ?? new Tensor(t.shape)]));
  const hp = root instanceof Map ? root.get('hyper_parameters') : undefined;
  const dtypes = new Set([...plans.values()].map((plan) => plan.dtype));
  return { tensors, hyperParameters: hp === undefined ? undefined : toPlain(hp, src.name), dtypes };
}
