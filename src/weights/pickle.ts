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
  MARK: 0x28, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, DUP: 0x32, FLOAT: 0x46, INT: 0x49,
  BININT: 0x4a, BININT1: 0x4b, LONG: 0x4c, BININT2: 0x4d, NONE: 0x4e, PERSID: 0x50,
  BINPERSID: 0x51, REDUCE: 0x52, STRING: 0x53, BINSTRING: 0x54, SHORT_BINSTRING: 0x55,
  UNICODE: 0x56, BINUNICODE: 0x58, APPEND: 0x61, BUILD: 0x62, GLOBAL: 0x63, DICT: 0x64,
  EMPTY_DICT: 0x7d, APPENDS: 0x65, GET: 0x67, BINGET: 0x68, INST: 0x69, LONG_BINGET: 0x6a,
  LIST: 0x6c, EMPTY_LIST: 0x5d, OBJ: 0x6f, PUT: 0x70, BINPUT: 0x71, LONG_BINPUT: 0x72,
  SETITEM: 0x73, TUPLE: 0x74, EMPTY_TUPLE: 0x29, SETITEMS: 0x75, BINFLOAT: 0x47,
  PROTO: 0x80, NEWOBJ: 0x81, EXT1: 0x82, EXT2: 0x83, EXT4: 0x84, TUPLE1: 0x85, TUPLE2: 0x86,
  TUPLE3: 0x87, NEWTRUE: 0x88, NEWFALSE: 0x89, LONG1: 0x8a, LONG4: 0x8b, BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43, SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d, BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f, ADDITEMS: 0x90, FROZENSET: 0x91, NEWOBJ_EX: 0x92, STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94, FRAME: 0x95, BYTEARRAY8: 0x96, NEXT_BUFFER: 0x97, READONLY_BUFFER: 0x98,
} as const;
const OP_NAME = new Map<number, string>(Object.entries(OP).map(([name, code]) => [code, name]));

class Unpickler {
  private pos = 0;
  private op = 0;
  private opPos = 0;
  private readonly dv: DataView;
  private readonly stack: unknown[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly utf8 = new TextDecoder('utf-8');

  constructor(private readonly bytes: Uint8Array, private readonly name: string) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private fail(why: string): never {
    const opName = OP_NAME.get(this.op) ?? `0x${this.op.toString(16).padStart(2, '0')}`;
    throw new VqganError('BAD_FORMAT', `${this.name}: bad pickle: ${why} (opcode ${opName} at byte ${this.opPos})`);
  }

  // -- input --------------------------------------------------------------------

  private take(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.bytes.length - this.pos) {
      this.fail(`needs ${n} bytes but ${this.bytes.length - this.pos} remain; truncated?`);
    }
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  private u8(): number {
    return this.take(1)[0];
  }
  private u16(): number {
    this.take(2);
    return this.dv.getUint16(this.pos - 2, true);
  }
  private u32(): number {
    this.take(4);
    return this.dv.getUint32(this.pos - 4, true);
  }
  private i32(): number {
    this.take(4);
    return this.dv.getInt32(this.pos - 4, true);
  }
  private u64(): number {
    this.take(8);
    const v = this.dv.getBigUint64(this.pos - 8, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? this.fail(`length ${v} is too large`) : Number(v);
  }
  /** The bytes of a protocol 0 text argument, up to (not including) its newline. */
  private lineBytes(): Uint8Array {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('a text argument has no terminating newline; truncated?');
    const bytes = this.bytes.subarray(this.pos, end);
    this.pos = end + 1;
    return bytes;
  }
  private line(): string {
    return this.utf8.decode(this.lineBytes());
  }
  private text(n: number): string {
    return this.utf8.decode(this.take(n));
  }

  // -- stack --------------------------------------------------------------------

  private push(v: unknown): void {
    if (this.stack.length >= MAX_STACK) this.fail(`stack deeper than ${MAX_STACK}`);
    this.stack.push(v);
  }
  /** Where the stack above the innermost MARK starts: opcodes cannot reach below it. */
  private floor(): number {
    return this.marks[this.marks.length - 1] ?? 0;
  }
  private pop(): unknown {
    if (this.stack.length <= this.floor()) this.fail('pops an empty stack');
    return this.stack.pop();
  }
  private top(): unknown {
    if (this.stack.length <= this.floor()) this.fail('reads an empty stack');
    return this.stack[this.stack.length - 1];
  }
  private popMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) this.fail('no MARK to pop to');
    return this.stack.splice(mark);
  }
  private memoGet(index: number): unknown {
    if (!this.memo.has(index)) this.fail(`memo index ${index} was never stored`);
    return this.memo.get(index);
  }
  private memoPut(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0) this.fail(`memo index ${index} is invalid`);
    this.memo.set(index, this.top());
  }

  // -- values -------------------------------------------------------------------

  private global(module: string, name: string): PickleGlobal {
    if (isRefused(module, name)) {
      throw new VqganError('UNSAFE_PICKLE', `${this.name}: pickle asks for global ${module}.${name}; refused, nothing was run`);
    }
    return new PickleGlobal(module, name);
  }

  /** REDUCE / NEWOBJ / INST / OBJ: a builder's result, or an inert record of the call. */
  private call(callable: unknown, args: unknown, kwargs?: Map<unknown, unknown>): unknown {
    if (!(callable instanceof PickleGlobal)) return this.fail(`calls a ${describe(callable)}, not a class or function`);
    if (!Array.isArray(args)) return this.fail(`calls ${callable} with a ${describe(args)} instead of an argument tuple`);
    const builder = BUILDERS.get(builderKey(callable));
    if (builder !== undefined) return builder(args, (why: string) => this.fail(`${callable}: ${why}`));
    const obj = new PickleObject(callable, args);
    obj.kwargs = kwargs;
    return obj;
  }

  /** BINPERSID: torch's ('storage', storage class, key, location, numel). */
  private persistent(pid: unknown): TorchStorage {
    if (!Array.isArray(pid) || pid[0] !== 'storage') {
      throw new VqganError('UNSUPPORTED', `${this.name}: pickle has a persistent id ${describe(pid)} that is not a torch storage`);
    }
    const [, type, key, location, numel] = pid;
    if (!(type instanceof PickleGlobal) || typeof key !== 'string' || typeof location !== 'string' || !Number.isSafeInteger(numel) || (numel as number) < 0) {
      this.fail('a torch storage id is not (storage, type, key, location, numel)');
    }
    return new TorchStorage(type.name, key, location, numel);
  }

  /** Two's complement little-endian integer of any length (LONG1, LONG4). */
  private longBytes(n: number): number | bigint {
    const b = this.take(n);
    if (n === 0) return 0;
    let hex = '';
    for (let i = n - 1; i >= 0; i--) hex += b[i].toString(16).padStart(2, '0');
    let v = BigInt(`0x${hex}`);
    if (b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return narrow(v);
  }

  /** Protocol 0 UNICODE: raw-unicode-escape, i.e. latin-1 with \uXXXX and \UXXXXXXXX. */
  private rawUnicode(): string {
    const b = this.lineBytes();
    let out = '';
    for (let i = 0; i < b.length; i++) {
      const digits = b[i] === 0x5c && (b[i + 1] === 0x75 ? 4 : b[i + 1] === 0x55 ? 8 : 0);
      if (digits) {
        const hex = String.fromCharCode(...b.subarray(i + 2, i + 2 + digits));
        const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === digits ? parseInt(hex, 16) : NaN;
        if (!(code <= 0x10ffff)) this.fail(`bad escape \\${String.fromCharCode(b[i + 1])}${hex}`);
        out += String.fromCodePoint(code);
        i += 1 + digits;
      } else {
        out += String.fromCharCode(b[i]);
      }
    }
    return out;
  }

  // -- the loop -----------------------------------------------------------------

  run(): unknown {
    for (;;) {
      this.opPos = this.pos;
      if (this.pos >= this.bytes.length) this.fail('input ends before STOP; truncated?');
      this.op = this.bytes[this.pos++];
      switch (this.op) {
        case OP.PROTO: {
          const v = this.u8();
          if (v > HIGHEST_PROTOCOL) throw new VqganError('UNSUPPORTED', `${this.name}: pickle protocol ${v} (at most ${HIGHEST_PROTOCOL} is read)`);
          break;
        }
        case OP.FRAME: {
          // Frames only group opcodes for buffered reading; the opcodes inside run as usual.
          const n = this.u64();
          if (n > this.bytes.length - this.pos) this.fail(`frame of ${n} bytes but ${this.bytes.length - this.pos} remain; truncated?`);
          break;
        }
        case OP.STOP:
          return this.pop();
        case OP.MARK:
          if (this.marks.length >= MAX_MARKS) this.fail(`MARKs nested deeper than ${MAX_MARKS}`);
          this.marks.push(this.stack.length);
          break;
        case OP.POP:
          if (this.stack.length > this.floor()) this.stack.pop();
          else this.popMark();
          break;
        case OP.POP_MARK:
          this.popMark();
          break;
        case OP.DUP:
          this.push(this.top());
          break;

        case OP.NONE:
          this.push(null);
          break;
        case OP.NEWTRUE:
          this.push(true);
          break;
        case OP.NEWFALSE:
          this.push(false);
          break;
        case OP.BININT:
          this.push(this.i32());
          break;
        case OP.BININT1:
          this.push(this.u8());
          break;
        case OP.BININT2:
          this.push(this.u16());
          break;
        case OP.LONG1:
          this.push(this.longBytes(this.u8()));
          break;
        case OP.LONG4: {
          const n = this.i32();
          if (n < 0) this.fail(`negative length ${n}`);
          this.push(this.longBytes(n));
          break;
        }
        case OP.INT: {
          // Protocol 0 spells booleans as INT 01 / 00.
          const text = this.line();
          this.push(text === '01' ? true : text === '00' ? false : this.parseInt(text));
          break;
        }
        case OP.LONG:
          this.push(this.parseInt(this.line().replace(/L$/, '')));
          break;
        case OP.BINFLOAT:
          this.take(8);
          this.push(this.dv.getFloat64(this.pos - 8, false));
          break;
        case OP.FLOAT:
          this.push(this.parseFloat(this.line()));
          break;

        case OP.BINUNICODE:
          this.push(this.text(this.u32()));
          break;
        case OP.SHORT_BINUNICODE:
          this.push(this.text(this.u8()));
          break;
        case OP.BINUNICODE8:
          this.push(this.text(this.u64()));
          break;
        case OP.UNICODE:
          this.push(this.rawUnicode());
          break;
        case OP.BINSTRING: {
          const n = this.i32();
          if (n < 0) this.fail(`negative length ${n}`);
          this.push(this.text(n));
          break;
        }
        case OP.SHORT_BINSTRING:
          this.push(this.text(this.u8()));
          break;
        case OP.BINBYTES:
          this.push(this.take(this.u32()).slice());
          break;
        case OP.SHORT_BINBYTES:
          this.push(this.take(this.u8()).slice());
          break;
        case OP.BINBYTES8:
        case OP.BYTEARRAY8:
          this.push(this.take(this.u64()).slice());
          break;

        case OP.EMPTY_TUPLE:
          this.push(Object.freeze([]));
          break;
        case OP.TUPLE1:
          this.push(Object.freeze([this.pop()]));
          break;
        case OP.TUPLE2: {
          const b = this.pop();
          this.push(Object.freeze([this.pop(), b]));
          break;
        }
        case OP.TUPLE3: {
          const c = this.pop();
          const b = this.pop();
          this.push(Object.freeze([this.pop(), b, c]));
          break;
        }
        case OP.TUPLE:
          this.push(Object.freeze(this.popMark()));
          break;
        case OP.EMPTY_LIST:
          this.push([]);
          break;
        case OP.LIST:
          this.push(this.popMark());
          break;
        case OP.APPEND:
          this.append([this.pop()]);
          break;
        case OP.APPENDS:
          this.append(this.popMark());
          break;
        case OP.EMPTY_DICT:
          this.push(new Map());
          break;
        case OP.DICT: {
          const map = new Map();
          this.setItems(map, this.popMark());
          this.push(map);
          break;
        }
        case OP.SETITEM: {
          const value = this.pop();
          const key = this.pop();
          this.setItems(this.top(), [key, value]);
          break;
        }
        case OP.SETITEMS: {
          const items = this.popMark();
          this.setItems(this.top(), items);
          break;
        }
        case OP.EMPTY_SET:
          this.push(new Set());
          break;
        case OP.FROZENSET:
          this.push(new Set(this.popMark()));
          break;
        case OP.ADDITEMS: {
          const items = this.popMark();
          const set = this.top();
          if (!(set instanceof Set)) this.fail(`adds items to a ${describe(set)}`);
          for (const item of items) set.add(item);
          break;
        }

        case OP.BINPUT:
          this.memoPut(this.u8());
          break;
        case OP.LONG_BINPUT:
          this.memoPut(this.u32());
          break;
        case OP.PUT:
          this.memoPut(this.memoIndex(this.line()));
          break;
        case OP.MEMOIZE:
          this.memoPut(this.memo.size);
          break;
        case OP.BINGET:
          this.push(this.memoGet(this.u8()));
          break;
        case OP.LONG_BINGET:
          this.push(this.memoGet(this.u32()));
          break;
        case OP.GET:
          this.push(this.memoGet(this.memoIndex(this.line())));
          break;

        case OP.GLOBAL: {
          const module = this.line();
          this.push(this.global(module, this.line()));
          break;
        }
        case OP.STACK_GLOBAL: {
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') this.fail('STACK_GLOBAL of non-strings');
          this.push(this.global(module, name));
          break;
        }
        case OP.REDUCE:
        case OP.NEWOBJ: {
          const args = this.pop();
          this.push(this.call(this.pop(), args));
          break;
        }
        case OP.NEWOBJ_EX: {
          const kwargs = this.pop();
          const args = this.pop();
          if (!(kwargs instanceof Map)) this.fail(`keyword arguments are a ${describe(kwargs)}`);
          this.push(this.call(this.pop(), args, kwargs));
          break;
        }
        case OP.INST: {
          const module = this.line();
          const cls = this.global(module, this.line());
          this.push(this.call(cls, this.popMark()));
          break;
        }
        case OP.OBJ: {
          const [cls, ...args] = this.popMark();
          this.push(this.call(cls, args));
          break;
        }
        case OP.BUILD: {
          const state = this.pop();
          const obj = this.top();
          // Only inert objects keep their state. On the data this reader builds itself
          // BUILD would set Python attributes (a state_dict's `_metadata`) the engine
          // never reads, so it is dropped.
          if (obj instanceof PickleObject) obj.state = state;
          break;
        }
        case OP.BINPERSID:
          this.push(this.persistent(this.pop()));
          break;
        case OP.PERSID:
          this.push(this.persistent(this.line()));
          break;

        case OP.EXT1:
        case OP.EXT2:
        case OP.EXT4:
        case OP.NEXT_BUFFER:
        case OP.READONLY_BUFFER:
        case OP.STRING:
          throw new VqganError('UNSUPPORTED', `${this.name}: pickle opcode ${OP_NAME.get(this.op)} at byte ${this.opPos} is not read`);
        default:
          this.fail('unknown opcode');
      }
    }
  }

  private parseInt(text: string): number | bigint {
    if (!/^[-+]?\d+$/.test(text.trim())) this.fail(`bad integer ${JSON.stringify(text.slice(0, 40))}`);
    // CPython's own limit on decimal integer text (decimal parsing is superlinear).
    if (text.length > 4300) this.fail(`integer of ${text.length} digits`);
    return narrow(BigInt(text.trim()));
  }

  /** PUT and GET of protocol 0 spell the memo index in decimal. */
  private memoIndex(text: string): number {
    const index = this.parseInt(text);
    return typeof index === 'number' ? index : this.fail(`memo index ${index} is invalid`);
  }

  /** Python's repr of a float: digits, or inf / nan. */
  private parseFloat(text: string): number {
    const t = text.trim().toLowerCase();
    if (/^[-+]?inf$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    if (/^[-+]?nan$/.test(t)) return NaN;
    const v = Number(t);
    return t === '' || Number.isNaN(v) ? this.fail(`bad float ${JSON.stringify(text)}`) : v;
  }

  private append(items: unknown[]): void {
    const target = this.top();
    const list = target instanceof PickleObject ? (target.list ??= []) : target;
    if (!Array.isArray(list) || Object.isFrozen(list)) this.fail(`appends to a ${describe(target)}`);
    // One by one: spreading a huge APPENDS batch into push() would overflow the call stack.
    for (const item of items) list.push(item);
  }

  private setItems(target: unknown, items: unknown[]): void {
    if (items.length % 2 !== 0) this.fail(`odd number of items (${items.length}) for a dict`);
    const map = target instanceof PickleObject ? (target.items ??= new Map()) : target;
    if (!(map instanceof Map)) this.fail(`sets items on a ${describe(target)}`);
    for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
  }
}

function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Unpickles `bytes` (`name` is for messages) without running any Python. */
export function unpickle(bytes: Uint8Array, name: string): unknown {
  return new Unpickler(bytes, name).run();
}
