/**
 * A pickle reader that executes nothing. It walks the opcodes of protocols 0–5 and
 * builds plain data: dicts become Maps, lists and tuples arrays (tuples frozen), sets
 * Sets. A global is looked up in a policy instead of imported:
 *  - a few data builders (OrderedDict, dict, list, set, torch.Size, torch's tensor
 *    rebuild functions) are re-implemented here as pure functions of their arguments;
 *  - anything that could run code (os.system, builtins.eval, subprocess.Popen, ...) is
 *    refused with UNSAFE_PICKLE before a single call could happen;
 *  - everything else becomes an inert PickleGlobal, and calling it (REDUCE, NEWOBJ)
 *    an inert PickleObject that only records its arguments and state.
 * torch storages come in as persistent ids and become TorchStorage descriptors; the
 * bytes themselves stay in the zip until the checkpoint reader asks for them.
 */
import { VqganError } from '../core/errors.js';
import { BUILDERS, builderKey, isRefused } from './pickle_globals.js';
import { PickleGlobal, PickleObject, TorchStorage, describe } from './pickle_values.js';

const MAX_STACK = 1 << 22;
const MAX_MARKS = 1 << 12;
const HIGHEST_PROTOCOL = 5;

// Opcode bytes, named as in CPython's pickle.py.
const OP = {
  MARK: 0x28,
  STOP: 0x2e,
  POP: 0x30,
  POP_MARK: 0x31,
  DUP: 0x32,
  FLOAT: 0x46,
  INT: 0x49,
  BININT: 0x4a,
  BININT1: 0x4b,
  LONG: 0x4c,
  BININT2: 0x4d,
  NONE: 0x4e,
  PERSID: 0x50,
  BINPERSID: 0x51,
  REDUCE: 0x52,
  STRING: 0x53,
  BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55,
  UNICODE: 0x56,
  BINUNICODE: 0x58,
  APPEND: 0x61,
  BUILD: 0x62,
  GLOBAL: 0x63,
  DICT: 0x64,
  EMPTY_DICT: 0x7d,
  APPENDS: 0x65,
  GET: 0x67,
  BINGET: 0x68,
  INST: 0x69,
  LONG_BINGET: 0x6a,
  LIST: 0x6c,
  EMPTY_LIST: 0x5d,
  OBJ: 0x6f,
  PUT: 0x70,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  SETITEM: 0x73,
  TUPLE: 0x74,
  EMPTY_TUPLE: 0x29,
  SETITEMS: 0x75,
  BINFLOAT: 0x47,
  PROTO: 0x80,
  NEWOBJ: 0x81,
  EXT1: 0x82,
  EXT2: 0x83,
  EXT4: 0x84,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  NEWOBJ_EX: 0x92,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
  BYTEARRAY8: 0x96,
  NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const;
const OP_NAME = new Map<number, string>(Object.entries(OP).map(([name, code]) => [code, name]));

/**
 * The reader's state and the steps opcodes are made of. Its methods are public only to
 * the opcode handlers below (the class is not exported); its state stays private.
 */
class Unpickler {
  private pos = 0;
  private op = 0;
  private opPos = 0;
  private readonly dv: DataView;
  private readonly stack: unknown[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly utf8 = new TextDecoder('utf-8');
  private stopped = false;
  private result: unknown;

  constructor(private readonly bytes: Uint8Array, private readonly name: string) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(why: string): never {
    const opName = OP_NAME.get(this.op) ?? `0x${this.op.toString(16).padStart(2, '0')}`;
    throw new VqganError('BAD_FORMAT', `${this.name}: bad pickle: ${why} (opcode ${opName} at byte ${this.opPos})`);
  }

  // -- input --------------------------------------------------------------------

  take(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.bytes.length - this.pos) {
      this.fail(`needs ${n} bytes but ${this.bytes.length - this.pos} remain; truncated?`);
    }
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u8(): number {
    return this.take(1)[0]!;
  }
  u16(): number {
    this.take(2);
    return this.dv.getUint16(this.pos - 2, true);
  }
  u32(): number {
    this.take(4);
    return this.dv.getUint32(this.pos - 4, true);
  }
  i32(): number {
    this.take(4);
    return this.dv.getInt32(this.pos - 4, true);
  }
  /** BINSTRING, LONG4: a signed 4-byte length, refused when negative. */
  length32(): number {
    const n = this.i32();
    return n < 0 ? this.fail(`negative length ${n}`) : n;
  }
  /** BINFLOAT is the one big-endian argument. */
  f64(): number {
    this.take(8);
    return this.dv.getFloat64(this.pos - 8, false);
  }
  u64(): number {
    this.take(8);
    const v = this.dv.getBigUint64(this.pos - 8, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? this.fail(`length ${v} is too large`) : Number(v);
  }
  /** The bytes of a protocol 0 text argument, up to (not including) its newline. */
  lineBytes(): Uint8Array {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('a text argument has no terminating newline; truncated?');
    const bytes = this.bytes.subarray(this.pos, end);
    this.pos = end + 1;
    return bytes;
  }
  line(): string {
    return this.utf8.decode(this.lineBytes());
  }
  text(n: number): string {
    return this.utf8.decode(this.take(n));
  }

  // -- stack --------------------------------------------------------------------

  push(v: unknown): void {
    if (this.stack.length >= MAX_STACK) this.fail(`stack deeper than ${MAX_STACK}`);
    this.stack.push(v);
  }
  /** Where the stack above the innermost MARK starts: opcodes cannot reach below it. */
  floor(): number {
    return this.marks[this.marks.length - 1] ?? 0;
  }
  pop(): unknown {
    if (this.stack.length <= this.floor()) this.fail('pops an empty stack');
    return this.stack.pop();
  }
  top(): unknown {
    if (this.stack.length <= this.floor()) this.fail('reads an empty stack');
    return this.stack[this.stack.length - 1];
  }
  /** The top `n` items, deepest first (TUPLE1–3). */
  popItems(n: number): unknown[] {
    const items = new Array<unknown>(n);
    for (let i = n - 1; i >= 0; i--) items[i] = this.pop();
    return items;
  }
  popMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) this.fail('no MARK to pop to');
    return this.stack.splice(mark);
  }
  memoGet(index: number): unknown {
    if (!this.memo.has(index)) this.fail(`memo index ${index} was never stored`);
    return this.memo.get(index);
  }
  memoPut(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0) this.fail(`memo index ${index} is invalid`);
    this.memo.set(index, this.top());
  }
  /** MEMOIZE: the next free index. */
  memoize(): void {
    this.memoPut(this.memo.size);
  }

  // -- values -------------------------------------------------------------------

  global(module: string, name: string): PickleGlobal {
    if (isRefused(module, name)) {
      throw new VqganError(
        'UNSAFE_PICKLE',
        `${this.name}: pickle asks for global ${module}.${name}; refused, nothing was run`,
      );
    }
    return new PickleGlobal(module, name);
  }

  /** REDUCE / NEWOBJ / INST / OBJ: a builder's result, or an inert record of the call. */
  call(callable: unknown, args: unknown, kwargs?: Map<unknown, unknown>): unknown {
    if (!(callable instanceof PickleGlobal)) return this.fail(`calls a ${describe(callable)}, not a class or function`);
    if (!Array.isArray(args)) {
      return this.fail(`calls ${callable} with a ${describe(args)} instead of an argument tuple`);
    }
    const builder = BUILDERS.get(builderKey(callable));
    if (builder !== undefined) return builder(args, (why: string) => this.fail(`${callable}: ${why}`));
    const obj = new PickleObject(callable, args);
    obj.kwargs = kwargs;
    return obj;
  }

  stackGlobal(): void {
    const [module, name] = this.popItems(2);
    if (typeof module !== 'string' || typeof name !== 'string') this.fail('STACK_GLOBAL of non-strings');
    this.push(this.global(module, name));
  }

  /** REDUCE, NEWOBJ: callable(*args). */
  reduce(): void {
    const args = this.pop();
    this.push(this.call(this.pop(), args));
  }

  /** NEWOBJ_EX: cls(*args, **kwargs). */
  newObjEx(): void {
    const kwargs = this.pop();
    const args = this.pop();
    if (!(kwargs instanceof Map)) this.fail(`keyword arguments are a ${describe(kwargs)}`);
    this.push(this.call(this.pop(), args, kwargs));
  }

  /** BINPERSID: torch's ('storage', storage class, key, location, numel). */
  persistent(pid: unknown): TorchStorage {
    if (!Array.isArray(pid) || pid[0] !== 'storage') {
      throw new VqganError(
        'UNSUPPORTED',
        `${this.name}: pickle has a persistent id ${describe(pid)} that is not a torch storage`,
      );
    }
    const [, type, key, location, numel] = pid;
    if (
      !(type instanceof PickleGlobal) || typeof key !== 'string' || typeof location !== 'string'
      || !Number.isSafeInteger(numel) || (numel as number) < 0
    ) {
      this.fail('a torch storage id is not (storage, type, key, location, numel)');
    }
    return new TorchStorage(type.name, key, location, numel);
  }

  /** Two's complement little-endian integer of any length (LONG1, LONG4). */
  longBytes(n: number): number | bigint {
    const b = this.take(n);
    if (n === 0) return 0;
    let hex = '';
    for (let i = n - 1; i >= 0; i--) hex += b[i]!.toString(16).padStart(2, '0');
    let v = BigInt(`0x${hex}`);
    if (b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return narrow(v);
  }

  /** Protocol 0 UNICODE: raw-unicode-escape, i.e. latin-1 with \uXXXX and \UXXXXXXXX. */
  rawUnicode(): string {
    const b = this.lineBytes();
    let out = '';
    for (let i = 0; i < b.length; i++) {
      const digits = b[i] === 0x5c && (b[i + 1] === 0x75 ? 4 : b[i + 1] === 0x55 ? 8 : 0);
      if (digits) {
        const hex = String.fromCharCode(...b.subarray(i + 2, i + 2 + digits));
        const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === digits ? parseInt(hex, 16) : NaN;
        if (!(code <= 0x10ffff)) this.fail(`bad escape \\${String.fromCharCode(b[i + 1]!)}${hex}`);
        out += String.fromCodePoint(code);
        i += 1 + digits;
      } else {
        out += String.fromCharCode(b[i]!);
      }
    }
    return out;
  }

  // -- the loop -----------------------------------------------------------------

  run(): unknown {
    while (!this.stopped) {
      this.opPos = this.pos;
      if (this.pos >= this.bytes.length) this.fail('input ends before STOP; truncated?');
      this.op = this.bytes[this.pos++]!;
      const handler = HANDLERS[this.op];
      if (handler === undefined) this.fail('unknown opcode');
      handler(this);
    }
    return this.result;
  }

  stop(): void {
    this.result = this.pop();
    this.stopped = true;
  }

  checkProtocol(v: number): void {
    if (v > HIGHEST_PROTOCOL) {
      throw new VqganError('UNSUPPORTED', `${this.name}: pickle protocol ${v} (at most ${HIGHEST_PROTOCOL} is read)`);
    }
  }

  /** Frames only group opcodes for buffered reading; the opcodes inside run as usual. */
  checkFrame(n: number): void {
    const left = this.bytes.length - this.pos;
    if (n > left) this.fail(`frame of ${n} bytes but ${left} remain; truncated?`);
  }

  mark(): void {
    if (this.marks.length >= MAX_MARKS) this.fail(`MARKs nested deeper than ${MAX_MARKS}`);
    this.marks.push(this.stack.length);
  }

  /** POP: the top item, or the innermost MARK when nothing is above it. */
  popItemOrMark(): void {
    if (this.stack.length > this.floor()) this.stack.pop();
    else this.popMark();
  }

  unsupported(): never {
    const what = `pickle opcode ${OP_NAME.get(this.op)} at byte ${this.opPos}`;
    throw new VqganError('UNSUPPORTED', `${this.name}: ${what} is not read`);
  }

  parseInt(text: string): number | bigint {
    if (!/^[-+]?\d+$/.test(text.trim())) this.fail(`bad integer ${JSON.stringify(text.slice(0, 40))}`);
    // CPython's own limit on decimal integer text (decimal parsing is superlinear).
    if (text.length > 4300) this.fail(`integer of ${text.length} digits`);
    return narrow(BigInt(text.trim()));
  }

  /** Protocol 0 INT also spells booleans, as 01 / 00. */
  intOrBool(text: string): number | bigint | boolean {
    return text === '01' ? true : text === '00' ? false : this.parseInt(text);
  }

  /** PUT and GET of protocol 0 spell the memo index in decimal. */
  memoIndex(text: string): number {
    const index = this.parseInt(text);
    return typeof index === 'number' ? index : this.fail(`memo index ${index} is invalid`);
  }

  /** Python's repr of a float: digits, or inf / nan. */
  parseFloat(text: string): number {
    const t = text.trim().toLowerCase();
    if (/^[-+]?inf$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    if (/^[-+]?nan$/.test(t)) return NaN;
    const v = Number(t);
    return t === '' || Number.isNaN(v) ? this.fail(`bad float ${JSON.stringify(text)}`) : v;
  }

  append(items: unknown[]): void {
    const target = this.top();
    const list = target instanceof PickleObject ? (target.list ??= []) : target;
    if (!Array.isArray(list) || Object.isFrozen(list)) this.fail(`appends to a ${describe(target)}`);
    // One by one: spreading a huge APPENDS batch into push() would overflow the call stack.
    for (const item of items) list.push(item);
  }

  addItems(items: unknown[]): void {
    const set = this.top();
    if (!(set instanceof Set)) this.fail(`adds items to a ${describe(set)}`);
    for (const item of items) set.add(item);
  }

  /** BUILD: only inert objects keep their state. */
  build(state: unknown): void {
    // On the data this reader builds itself BUILD would set Python attributes (a
    // state_dict's `_metadata`) the engine never reads, so it is dropped.
    const obj = this.top();
    if (obj instanceof PickleObject) obj.state = state;
  }

  setItems(target: unknown, items: unknown[]): void {
    if (items.length % 2 !== 0) this.fail(`odd number of items (${items.length}) for a dict`);
    const map = target instanceof PickleObject ? (target.items ??= new Map()) : target;
    if (!(map instanceof Map)) this.fail(`sets items on a ${describe(target)}`);
    for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
  }
}

type Handler = (u: Unpickler) => void;

/** What each opcode does, by name; `satisfies` has the compiler check that none is missing. */
const HANDLERS_BY_NAME = {
  // Protocol, framing and the stack itself.
  PROTO: (u) => u.checkProtocol(u.u8()),
  FRAME: (u) => u.checkFrame(u.u64()),
  STOP: (u) => u.stop(),
  MARK: (u) => u.mark(),
  POP: (u) => u.popItemOrMark(),
  POP_MARK: (u) => void u.popMark(),
  DUP: (u) => u.push(u.top()),

  // Constants and numbers.
  NONE: (u) => u.push(null),
  NEWTRUE: (u) => u.push(true),
  NEWFALSE: (u) => u.push(false),
  BININT: (u) => u.push(u.i32()),
  BININT1: (u) => u.push(u.u8()),
  BININT2: (u) => u.push(u.u16()),
  LONG1: (u) => u.push(u.longBytes(u.u8())),
  LONG4: (u) => u.push(u.longBytes(u.length32())),
  INT: (u) => u.push(u.intOrBool(u.line())),
  LONG: (u) => u.push(u.parseInt(u.line().replace(/L$/, ''))),
  BINFLOAT: (u) => u.push(u.f64()),
  FLOAT: (u) => u.push(u.parseFloat(u.line())),

  // Text and bytes.
  BINUNICODE: (u) => u.push(u.text(u.u32())),
  SHORT_BINUNICODE: (u) => u.push(u.text(u.u8())),
  BINUNICODE8: (u) => u.push(u.text(u.u64())),
  UNICODE: (u) => u.push(u.rawUnicode()),
  BINSTRING: (u) => u.push(u.text(u.length32())),
  SHORT_BINSTRING: (u) => u.push(u.text(u.u8())),
  BINBYTES: (u) => u.push(u.take(u.u32()).slice()),
  SHORT_BINBYTES: (u) => u.push(u.take(u.u8()).slice()),
  BINBYTES8: (u) => u.push(u.take(u.u64()).slice()),
  BYTEARRAY8: (u) => u.push(u.take(u.u64()).slice()),

  // Tuples, lists, dicts and sets.
  EMPTY_TUPLE: (u) => u.push(Object.freeze([])),
  TUPLE1: (u) => u.push(Object.freeze(u.popItems(1))),
  TUPLE2: (u) => u.push(Object.freeze(u.popItems(2))),
  TUPLE3: (u) => u.push(Object.freeze(u.popItems(3))),
  TUPLE: (u) => u.push(Object.freeze(u.popMark())),
  EMPTY_LIST: (u) => u.push([]),
  LIST: (u) => u.push(u.popMark()),
  APPEND: (u) => u.append([u.pop()]),
  APPENDS: (u) => u.append(u.popMark()),
  EMPTY_DICT: (u) => u.push(new Map()),
  DICT: (u) => {
    const map = new Map();
    u.setItems(map, u.popMark());
    u.push(map);
  },
  SETITEM: (u) => {
    const [key, value] = u.popItems(2);
    u.setItems(u.top(), [key, value]);
  },
  SETITEMS: (u) => {
    const items = u.popMark();
    u.setItems(u.top(), items);
  },
  EMPTY_SET: (u) => u.push(new Set()),
  FROZENSET: (u) => u.push(new Set(u.popMark())),
  ADDITEMS: (u) => u.addItems(u.popMark()),

  // The memo.
  BINPUT: (u) => u.memoPut(u.u8()),
  LONG_BINPUT: (u) => u.memoPut(u.u32()),
  PUT: (u) => u.memoPut(u.memoIndex(u.line())),
  MEMOIZE: (u) => u.memoize(),
  BINGET: (u) => u.push(u.memoGet(u.u8())),
  LONG_BINGET: (u) => u.push(u.memoGet(u.u32())),
  GET: (u) => u.push(u.memoGet(u.memoIndex(u.line()))),

  // Globals, calls and torch storages.
  GLOBAL: (u) => {
    const module = u.line();
    u.push(u.global(module, u.line()));
  },
  STACK_GLOBAL: (u) => u.stackGlobal(),
  REDUCE: (u) => u.reduce(),
  NEWOBJ: (u) => u.reduce(),
  NEWOBJ_EX: (u) => u.newObjEx(),
  INST: (u) => {
    const module = u.line();
    const cls = u.global(module, u.line());
    u.push(u.call(cls, u.popMark()));
  },
  OBJ: (u) => {
    const [cls, ...args] = u.popMark();
    u.push(u.call(cls, args));
  },
  BUILD: (u) => u.build(u.pop()),
  BINPERSID: (u) => u.push(u.persistent(u.pop())),
  PERSID: (u) => u.push(u.persistent(u.line())),

  // Extension registry, out-of-band buffers and protocol 0 STRING's Python escapes.
  EXT1: (u) => u.unsupported(),
  EXT2: (u) => u.unsupported(),
  EXT4: (u) => u.unsupported(),
  NEXT_BUFFER: (u) => u.unsupported(),
  READONLY_BUFFER: (u) => u.unsupported(),
  STRING: (u) => u.unsupported(),
} satisfies Record<keyof typeof OP, Handler>;

/** The handlers indexed by opcode byte; undefined for a byte that is no opcode. */
const HANDLERS: readonly (Handler | undefined)[] = Array.from({ length: 256 }, (_, byte) => {
  const name = OP_NAME.get(byte) as keyof typeof OP | undefined;
  return name === undefined ? undefined : HANDLERS_BY_NAME[name];
});

function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Unpickles `bytes` (`name` is for messages) without running any Python. */
export function unpickle(bytes: Uint8Array, name: string): unknown {
  return new Unpickler(bytes, name).run();
}
