/**
 * The compiled AssemblyScript kernels (kernels/*.ts), instantiated over a memory that
 * the host owns: an ordinary one, or a shared one that worker threads use too (the same
 * kernels, built a second time with the memory declared shared). Pointers are byte
 * addresses; sizes count floats.
 */
/**
 * The kernels that compute a range [lo, hi) of their output (rows, channels, groups or
 * positions: the last two arguments), so that threads can share one call.
 */
export interface RangedKernels {
  f32_pack3x3_s1(x: number, c: number, h: number, w: number, out: number, rowBytes: number, r0: number, r1: number): void;
  f32_pack3x3_up2(x: number, c: number, h: number, w: number, out: number, rowBytes: number, r0: number, r1: number): void;
  f32_pack3x3_s2(x: number, c: number, h: number, w: number, out: number, rowBytes: number, r0: number, r1: number): void;
  f32_conv3x3_4x8(
    packed: number, rowBytes: number, lineBytes: number, step: number, taps: number, cin: number,
    packedWeights: number, bias: number, out: number, cout: number, hout: number, wout: number, residual: number,
    partial: number, coGroup: number, i0: number, i1: number,
  ): void;
  f32_conv3x3_winograd4x4(
    x: number, cin: number, h: number, w: number, up: number, th: number, qw: number, u: number, bias: number,
    out: number, cout: number, hout: number, wout: number, residual: number, scratch: number, coGroup: number, i0: number, i1: number,
  ): void;
  f32_conv3x3_winograd6x6(
    x: number, cin: number, h: number, w: number, up: number, th: number, qw: number, u: number, bias: number,
    out: number, cout: number, hout: number, wout: number, residual: number, scratch: number, coGroup: number, i0: number, i1: number,
  ): void;
  f32_conv2x2_winograd4x4(
    x: number, cin: number, h: number, w: number, up: number, th: number, qw: number, u: number, bias: number,
    out: number, cout: number, hout: number, wout: number, residual: number, scratch: number, coGroup: number, i0: number, i1: number,
  ): void;
  f32_split_phases(x: number, c: number, h: number, w: number, out: number, c0: number, c1: number): void;
  f32_pack1x1(x: number, cin: number, pixels: number, packed: number, b0: number, b1: number): void;
  f32_conv1x1_4x8(
    packed: number, cin: number, pixels: number, weight: number, bias: number, out: number, cout: number, residual: number,
    b0: number, b1: number,
  ): void;
  f32_group_norm(
    x: number, channels: number, pixels: number, weight: number, bias: number, groups: number, out: number, swish: number,
    expConstants: number, g0: number, g1: number,
  ): void;
  f32_transpose(x: number, rows: number, cols: number, out: number, r0: number, r1: number): void;
  f32_attention_rows(
    q: number, k: number, vt: number, channels: number, n: number, scale: number, scores: number, out: number,
    expConstants: number, i0: number, i1: number,
  ): void;
  f32_codebook_argmin(
    z: number, dim: number, positions: number, blocked: number, codes: number, norms: number, tokens: number, state: number,
    p0: number, p1: number,
  ): void;
}

export type RangedKernelName = keyof RangedKernels;

/** Ranged kernels by number, for jobs handed to worker threads. */
export const RANGED_KERNEL_NAMES: readonly RangedKernelName[] = [
  'f32_pack3x3_s1', 'f32_pack3x3_up2', 'f32_pack3x3_s2', 'f32_conv3x3_4x8', 'f32_conv3x3_winograd4x4', 'f32_conv3x3_winograd6x6',
  'f32_conv2x2_winograd4x4', 'f32_split_phases',
  'f32_pack1x1', 'f32_conv1x1_4x8', 'f32_group_norm',
  'f32_transpose', 'f32_attention_rows', 'f32_codebook_argmin',
];

export interface Kernels extends RangedKernels {
  f32_pack_weights3x3(weight: number, cout: number, cin: number, out: number): void;
  f32_conv3x3_4x8_scratch_bytes(cout: number): number;
  f32_conv3x3_winograd_chunks(quads: number, m: number, r: number): number;
  f32_conv3x3_winograd_co_block(): number;
  f32_conv3x3_winograd_scratch_bytes(cin: number, m: number, r: number): number;
  f32_codebook_norms(codebook: number, codes: number, dim: number, norms: number): void;
  f32_codebook_argmin_state_bytes(positions: number): number;
  f32_codebook_block8(codebook: number, codes: number, dim: number, out: number): void;
  f32_exp_constants_bytes(): number;
  f32_exp_constants(out: number): void;
  /** Runs 12 independent f32x4 multiply-add chains `iterations` times (96 FLOP per iteration). */
  f32_simd_peak(iterations: number): number;
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
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return instance.exports as unknown as Kernels;
}
