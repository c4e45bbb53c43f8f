/**
 * The compiled AssemblyScript kernels (kernels/*.ts), instantiated over a memory that
 * the host owns: an ordinary one, or a shared one that worker threads use too (the same
 * kernels, built a second time with the memory declared shared). Pointers are byte
 * addresses; sizes count floats.
 */
import { KERNEL_PARAMS, KERNEL_RECORDS, type KernelExports } from './kernel_bindings.generated.js';

/** The kernels' exports, typed from the build (scripts/kernel_bindings.mjs). */
export type Kernels = KernelExports;

type KernelName = keyof typeof KERNEL_PARAMS;

/**
 * The kernels that compute a range [lo, hi) of their output (rows, channels, groups or
 * positions: the last two parameters), so that threads can share one call; by number
 * in jobs handed to worker threads.
 */
export const RANGED_KERNEL_NAMES = [
  'f32_pack3x3_s1', 'f32_pack3x3_up2', 'f32_pack3x3_s2', 'f32_conv3x3_4x8',
  'f32_winograd_f4x4_3x3', 'f32_winograd_f6x6_3x3', 'f32_winograd_f4x4_2x2', 'f32_split_phases',
  'f32_pack1x1', 'f32_conv1x1_4x8', 'f32_group_norm',
  'f32_transpose', 'f32_attention_rows', 'f32_codebook_argmin',
] as const satisfies readonly KernelName[];

export type RangedKernelName = (typeof RANGED_KERNEL_NAMES)[number];

/** A ranged kernel's parameter names before the range, as a tuple type. */
type ArgNames<K extends RangedKernelName> =
  (typeof KERNEL_PARAMS)[K] extends readonly [...infer A, string, string] ? A : never;

/** A ranged kernel's arguments before the range, by parameter name. */
export type KernelArgs<K extends RangedKernelName> = { readonly [P in ArgNames<K>[number] & string]: number };

/** A ranged kernel's parameter names before the range, in order. */
export function argNames(kernel: RangedKernelName): readonly string[] {
  return KERNEL_PARAMS[kernel].slice(0, -2);
}

/** The positional arguments of `args`, in the kernel's parameter order, before the range. */
export function positionalArgs<K extends RangedKernelName>(kernel: K, args: KernelArgs<K>): number[] {
  return argNames(kernel).map((name) => {
    const value = (args as Record<string, number | undefined>)[name];
    if (value === undefined) throw new Error(`${kernel}: no argument ${name}`);
    return value;
  });
}

type RecordName = keyof typeof KERNEL_RECORDS;

/** A record's fields by name (see KERNEL_RECORDS). */
export type RecordFields<R extends RecordName> = { readonly [F in keyof (typeof KERNEL_RECORDS)[R]['fields']]: number };

/** Writes `values` as the record `name` at byte address `ptr` (KERNEL_RECORDS[name].bytes bytes). */
export function writeRecord<R extends RecordName>(
  memory: WebAssembly.Memory, ptr: number, name: R, values: RecordFields<R>,
): void {
  const { bytes, fields } = KERNEL_RECORDS[name];
  const view = new DataView(memory.buffer, ptr, bytes);
  for (const [field, { offset, type }] of Object.entries(fields) as [string, { offset: number; type: string }][]) {
    const value = (values as Readonly<Record<string, number>>)[field]!;
    if (type === 'f32') view.setFloat32(offset, value, true);
    else if (type === 'f64') view.setFloat64(offset, value, true);
    else if (type === 'i32') view.setInt32(offset, value, true);
    else view.setUint32(offset, value, true); // u32, usize
  }
}

/** FLOP done per iteration of f32_simd_peak (kernels/bench/simd_peak.ts). */
export const SIMD_PEAK_FLOP_PER_ITERATION = 12 * 4 * 2;

/** A module that uses one SIMD instruction: validates only where SIMD128 is supported. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export function simdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

/**
 * The kernels of `module` (./kernel_binaries.ts) over `memory`. Worker threads get the
 * compiled module from the thread that started them, so only that thread holds the
 * binaries.
 */
export async function instantiateKernelModule(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<Kernels> {
  const instance = await WebAssembly.instantiate(module, imports(memory));
  return instance.exports as unknown as Kernels;
}

/**
 * instantiateKernelModule on this thread, now: throws where that is refused (a browser's
 * main thread may refuse it for modules over 4 KB).
 */
export function instantiateKernelModuleSync(module: WebAssembly.Module, memory: WebAssembly.Memory): Kernels {
  return new WebAssembly.Instance(module, imports(memory)).exports as unknown as Kernels;
}

function imports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return { env: { memory, abort: failedAssert(memory) } };
}

/**
 * The debug build's env.abort (release builds import none): a failed precondition
 * (kernels/common/checks.ts) throws, naming its message and where it is in kernels/.
 */
function failedAssert(memory: WebAssembly.Memory) {
  return (message: number, file: number, line: number, column: number): never => {
    const where = `${readString(memory, file)}:${line}:${column}`;
    throw new Error(`kernel precondition failed: ${readString(memory, message)} (${where})`);
  };
}

/** An AssemblyScript string at `ptr`: UTF-16 code units, their byte count in the header's last word. */
function readString(memory: WebAssembly.Memory, ptr: number): string {
  if (ptr === 0) return '';
  const view = new DataView(memory.buffer); // also over a SharedArrayBuffer, unlike TextDecoder
  const bytes = view.getUint32(ptr - 4, true);
  let text = '';
  for (let i = 0; i < bytes; i += 2) text += String.fromCharCode(view.getUint16(ptr + i, true));
  return text;
}
