/** What the pickle reader builds besides plain data: inert stand-ins, never callable. */

/** A reference to a Python class or function, never called. */
export class PickleGlobal {
  constructor(readonly module: string, readonly name: string) {}
  toString(): string {
    return `${this.module}.${this.name}`;
  }
}

/** What calling an unknown global would have made: its arguments and state, nothing run. */
export class PickleObject {
  /** Keyword arguments (NEWOBJ_EX). */
  kwargs: Map<unknown, unknown> | undefined;
  /** BUILD's argument, the object's __dict__ or __setstate__ value. */
  state: unknown;
  /** Items set on it (dict subclasses pickle their items this way). */
  items: Map<unknown, unknown> | undefined;
  /** Items appended to it (list subclasses). */
  list: unknown[] | undefined;
  constructor(readonly type: PickleGlobal, readonly args: readonly unknown[]) {}
}

/** One torch storage: `numel` values of `storageType` (e.g. 'FloatStorage') in entry `data/<key>`. */
export class TorchStorage {
  constructor(readonly storageType: string, readonly key: string, readonly location: string, readonly numel: number) {}
}

/** A tensor as torch.save describes it: a strided view into a storage (offsets, strides in elements). */
export class TorchTensor {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

/** A short description of an unpickled value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PickleGlobal) return `global ${v}`;
  if (v instanceof PickleObject) return `${v.type} object`;
  if (v instanceof Map) return 'dict';
  if (v instanceof Set) return 'set';
  if (Array.isArray(v)) return Object.isFrozen(v) ? 'tuple' : 'list';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof TorchStorage) return 'torch storage';
  if (v instanceof TorchTensor) return 'tensor';
  return typeof v === 'string' ? `string ${JSON.stringify(v.slice(0, 40))}` : typeof v;
}
