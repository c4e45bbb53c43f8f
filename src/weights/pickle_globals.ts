/**
 * The pickle reader's policy for globals: which ones are refused outright, and the few
 * data builders (OrderedDict, dict, list, set, torch.Size, torch's tensor rebuilds)
 * re-implemented as pure functions of their arguments. Everything else stays inert.
 */
import { PickleGlobal, TorchStorage, TorchTensor } from './pickle_values.js';

/** Modules whose every global can run code, touch files or processes, or load more pickles. */
const REFUSED_MODULES = new Set([
  'os',
  'posix',
  'nt',
  'subprocess',
  'sys',
  'shutil',
  'importlib',
  'runpy',
  'pickle',
  '_pickle',
  'cPickle',
  'marshal',
  'socket',
  'ctypes',
  'code',
  'codeop',
  'pty',
  'pdb',
  'bdb',
  'commands',
  'platform',
  'webbrowser',
  'multiprocessing',
  'threading',
  '_thread',
  'signal',
  'asyncio',
  'types',
  'functools',
  'operator',
  'inspect',
  'io',
  '_io',
  'tempfile',
  'glob',
  'timeit',
  'trace',
  'profile',
  'cProfile',
  'doctest',
  'site',
  'imp',
  'zipimport',
  'pip',
  'setuptools',
  'distutils',
  'urllib',
  'http',
  'ftplib',
  'smtplib',
  'telnetlib',
  'xmlrpc',
  'requests',
  'torch.load',
  'torch.hub',
  'torch.jit',
  'torch.package',
  'torch.serialization',
  'torch._C',
  'torch.ops',
  'numpy.testing',
  'dill',
  'cloudpickle',
  'joblib',
]);

/** The only builtins a data pickle names: types, referenced or called to build data. */
const HARMLESS_BUILTINS = new Set([
  'dict',
  'list',
  'set',
  'frozenset',
  'tuple',
  'int',
  'long',
  'float',
  'complex',
  'str',
  'unicode',
  'bytes',
  'bytearray',
  'bool',
  'object',
  'slice',
  'range',
  'xrange',
  'Ellipsis',
  'NotImplemented',
]);

/**
 * Protocol 4 names may be dotted paths (`torch`, `hub.load`), so the whole path is
 * checked, and any dunder step (`__globals__`, `__subclasses__`) is refused.
 */
export function isRefused(module: string, name: string): boolean {
  if (module === 'builtins' || module === '__builtin__') return !HARMLESS_BUILTINS.has(name);
  const steps = `${module}.${name}`.split('.');
  if (steps.some((step) => step.startsWith('__'))) return true;
  return steps.some((_, i) => REFUSED_MODULES.has(steps.slice(0, i + 1).join('.')));
}

/** Pure re-implementations of the globals that build data; `fail` reports bad arguments. */
type Builder = (args: readonly unknown[], fail: (why: string) => never) => unknown;

function pairsToMap(source: unknown, fail: (why: string) => never): Map<unknown, unknown> {
  if (source === undefined) return new Map();
  if (source instanceof Map) return new Map(source);
  if (!Array.isArray(source)) return fail('dict() of something that is not a dict or a list of pairs');
  return new Map(
    source.map((pair) => {
      if (!Array.isArray(pair) || pair.length !== 2) fail('dict() of a list whose items are not pairs');
      return [pair[0], pair[1]] as [unknown, unknown];
    }),
  );
}

function iterableToArray(source: unknown, fail: (why: string) => never): unknown[] {
  if (source === undefined) return [];
  if (Array.isArray(source)) return [...source];
  if (source instanceof Set) return [...source];
  if (source instanceof Map) return [...source.keys()];
  return fail('a list or set of something that is not iterable data');
}

function intArray(value: unknown, what: string, fail: (why: string) => never): number[] {
  if (!Array.isArray(value) || !value.every((v) => Number.isSafeInteger(v))) {
    fail(`tensor ${what} is not a tuple of integers`);
  }
  return [...(value as number[])];
}

function rebuildTensor(args: readonly unknown[], fail: (why: string) => never): TorchTensor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof TorchStorage)) return fail('tensor rebuilt from something that is not a torch storage');
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) {
    return fail(`tensor storage offset ${String(offset)} is not a non-negative integer`);
  }
  const shape = intArray(size, 'size', fail);
  const strides = intArray(stride, 'stride', fail);
  if (shape.length !== strides.length) fail(`tensor size has ${shape.length} dimensions but stride ${strides.length}`);
  return new TorchTensor(storage, offset as number, shape, strides);
}

export const BUILDERS: ReadonlyMap<string, Builder> = new Map<string, Builder>([
  ['collections.OrderedDict', (args, fail) => pairsToMap(args[0], fail)],
  ['collections.defaultdict', (args, fail) => pairsToMap(args[1], fail)],
  ['builtins.dict', (args, fail) => pairsToMap(args[0], fail)],
  ['builtins.list', (args, fail) => iterableToArray(args[0], fail)],
  ['builtins.set', (args, fail) => new Set(iterableToArray(args[0], fail))],
  ['builtins.frozenset', (args, fail) => new Set(iterableToArray(args[0], fail))],
  ['torch.Size', (args, fail) => Object.freeze(intArray(args[0] ?? [], 'size', fail))],
  ['torch._utils._rebuild_tensor', rebuildTensor],
  ['torch._utils._rebuild_tensor_v2', rebuildTensor],
  // A Parameter is its data tensor plus flags the engine has no use for.
  ['torch._utils._rebuild_parameter', (args) => args[0]],
  ['torch._utils._rebuild_parameter_with_state', (args) => args[0]],
  // Tensor subclasses: (rebuild function, subclass, its args, state) → the plain tensor.
  [
    'torch._tensor._rebuild_from_type_v2',
    (args, fail): unknown => {
      const [fn, , fnArgs] = args;
      const builder: Builder | undefined = fn instanceof PickleGlobal ? BUILDERS.get(builderKey(fn)) : undefined;
      if (builder === undefined || !Array.isArray(fnArgs)) return fail(`_rebuild_from_type_v2 of ${String(fn)}`);
      return builder(fnArgs, fail);
    },
  ],
]);

export function builderKey(g: PickleGlobal): string {
  return `${g.module === '__builtin__' ? 'builtins' : g.module}.${g.name}`;
}
