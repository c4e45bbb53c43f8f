/**
 * The WebAssembly SIMD backend: tensors live in one WebAssembly memory, the kernels
 * (kernels/*.ts) compute on them in the canonical order, so results are the reference
 * backend's bytes. Scratch buffers (packed inputs, partial sums, transposes) come from
 * the same allocator and go back to it when the kernel returns. Each op is one or more
 * thread-pool jobs: fixed pieces of its output (rows, channels, groups, positions), so
 * the bytes do not depend on the number of threads.
 */
import type { Backend, ComputeMode } from '../backend.js';
import { VqganError } from '../../core/errors.js';
import type { Conv3x3Kind } from '../backend.js';
import { transformedWeights, type WinogradKind, winogradKindFor, winogradKindServes } from '../winograd_plan.js';
import { Tensor, shapeSize } from '../../core/tensor.js';
import { Allocator } from './allocator.js';
import { kernelModuleFor } from './kernel_binaries.js';
import { instantiateKernelModule, writeRecord, type Kernels } from './kernels.js';
import { KERNEL_RECORDS } from './kernel_bindings.generated.js';
import { ThreadPool } from './thread_pool.js';

/** 4 GiB, the most a 32-bit WebAssembly memory can hold: a shared memory needs a maximum. */
const MAX_PAGES = 65536;

/**
 * A job's pieces are claimed one at a time, so the last one leaves the other threads
 * idle for up to a piece's time: a few pieces per thread keep that small.
 */
const PIECES_PER_THREAD = 4;

/** The same for the Winograd convolution, whose channel groups repeat work (conv3x3Winograd). */
const WINOGRAD_PIECES_PER_THREAD = 2;

/** The kernel of kernels/conv3x3_winograd.ts for each kind of transformed weight: F(m×m, r×r). */
const WINOGRAD_KERNELS = {
  4: { m: 4, r: 3, kernel: 'f32_winograd_f4x4_3x3' },
  6: { m: 6, r: 3, kernel: 'f32_winograd_f6x6_3x3' },
  s2: { m: 4, r: 2, kernel: 'f32_winograd_f4x4_2x2' }, // on the input's phases
} as const;

/** A tensor whose values live at `ptr` in the backend's memory. */
class WasmTensor extends Tensor {
  /**
   * Set when the values now live only in a kernel's layout (a packed 3×3 weight): the
   * row-major copy was given back, since nothing reads a weight's values after loading,
   * and holding both would double the weights' memory.
   */
  moved = false;

  constructor(shape: readonly number[], readonly ptr: number, private readonly memory: WebAssembly.Memory) {
    super(shape, new Float32Array(memory.buffer, ptr, shapeSize(shape)));
  }
  /** A fresh view when the memory has grown (growing detaches the old buffer). */
  override get data(): Float32Array {
    if (this.moved) throw new Error(`wasm backend: this ${this.shape.join('×')} weight was moved into a packed layout`);
    // A detached view reports length 0: the size comes from the shape.
    if (this.view.buffer !== this.memory.buffer) this.view = new Float32Array(this.memory.buffer, this.ptr, this.size);
    return this.view;
  }
}

export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  private readonly allocator: Allocator;
  /** Weights in the layouts the kernels want (packed convolutions, blocked codebooks), made once. */
  private readonly derived = new WeakMap<Tensor, WasmTensor>();
  /**
   * Winograd-transformed 3×3 weights, apart from the packed ones: a weight asked for in
   * the other layout after its values moved fails (derivedWeights) instead of being read
   * in the wrong layout.
   */
  private readonly transformed = new WeakMap<Tensor, WasmTensor>();
  /** What each transformed weight was made for. */
  private readonly kinds = new WeakMap<Tensor, WinogradKind>();
  private readonly taps: number; // 9 i32 tap offsets, rewritten per convolution
  private readonly winogradParams: number; // the Winograd kernels' WinogradParams, rewritten per convolution
  private readonly expConstants: number; // kernels/math.ts's table for expf4, written once

  private constructor(
    readonly memory: WebAssembly.Memory, private readonly k: Kernels, private readonly pool: ThreadPool, readonly mode: ComputeMode,
  ) {
    this.allocator = new Allocator(memory, k.heap_base());
    this.taps = this.allocator.alloc(9 * 4);
    this.winogradParams = this.allocator.alloc(KERNEL_RECORDS.WinogradParams.bytes);
    this.expConstants = this.allocator.alloc(k.f32_exp_constants_bytes());
    k.f32_exp_constants(this.expConstants);
  }

  /**
   * A backend computing in `mode` on `threads` threads (this one and threads − 1 workers),
   * with the kernels that `moduleFor` compiles for its memory: the embedded release build,
   * or another (the tests' debug build, build/kernels_debug*.wasm).
   */
  static async create(
    threads = 1, mode: ComputeMode = 'exact', moduleFor: typeof kernelModuleFor = kernelModuleFor,
  ): Promise<WasmBackend> {
    if (!Number.isInteger(threads) || threads < 1) throw new VqganError('BAD_ARGUMENT', `threads must be a positive integer, not ${threads}`);
    const memory = threads > 1
      ? new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial: 1 });
    const module = await moduleFor(memory);
    const k = await instantiateKernelModule(module, memory);
    return new WasmBackend(memory, k, await ThreadPool.start(k, module, memory, threads), mode);
  }

  get threads(): number {
    return this.pool.threads;
  }

  /** Ends the worker threads; the backend is not used again. */
  dispose(): void {
    this.pool.close();
  }

  /** Bytes of WebAssembly memory in use at the busiest moment so far. */
  get peakBytes(): number {
    return this.allocator.peakBytes;
  }

  alloc(shape: readonly number[]): WasmTensor {
    return new WasmTensor(shape, this.allocator.alloc(shapeSize(shape) * 4), this.memory);
  }

  adopt(t: Tensor): Tensor {
    const copy = this.alloc(t.shape);
    copy.data.set(t.data);
    return copy;
  }

  release(t: Tensor): void {
    if (t instanceof WasmTensor && !t.moved) this.allocator.free(t.ptr);
  }

  download(t: Tensor): Tensor {
    const copy = new Tensor(t.shape, t.data.slice());
    this.release(t);
    return copy;
  }

  private ptr(t: Tensor): number {
    if (!(t instanceof WasmTensor)) throw new Error('wasm backend: tensor is not in WebAssembly memory');
    return t.ptr;
  }

  prepareConv3x3(weight: Tensor, kind: Conv3x3Kind, width: number): void {
    if (this.mode === 'fast') this.winogradWeights(weight, kind, width);
    else this.packedWeights(weight);
  }

  conv3x3(x: Tensor, weight: Tensor, bias: Tensor, kind: Conv3x3Kind, residual: Tensor | null, out: Tensor): void {
    if (this.mode === 'fast') {
      this.conv3x3Winograd(x, weight, bias, kind, residual, out);
      return;
    }
    const [cin, h, w] = x.shape as [number, number, number];
    const [cout, hout, wout] = out.shape as [number, number, number];
    // The packed layouts of kernels/conv3x3.ts: packed rows, floats per channel line,
    // packed rows per output row, and each tap's column within a line.
    const [rows, line, step, columns] = kind === 's1' ? [h + 2, 12, 1, [0, 1, 2]]
      : kind === 'up2' ? [2 * h + 2, 12, 1, [0, 1, 2]] : [h + 1, 20, 2, [0, 10, 1]];
    // Rows a little longer than their data, so that their stride is no multiple of 4 KiB.
    const rowBytes = Math.ceil(wout / 8) * cin * line * 4 + 256;
    const packed = this.allocator.alloc(rows * rowBytes);
    const taps = new Int32Array(this.memory.buffer, this.taps, 9);
    for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) taps[ky * 3 + kx] = ky * rowBytes + columns[kx]! * 4;
    const pack = kind === 's1' ? 'f32_pack3x3_s1' : kind === 'up2' ? 'f32_pack3x3_up2' : 'f32_pack3x3_s2';
    const packArgs = { x: this.ptr(x), c: cin, h, w, out: packed, rowBytes };
    this.pool.run({ kernel: pack, args: packArgs, total: rows, unit: 2 });
    const weights = this.packedWeights(weight);
    // Each thread parks its partial sums in its own cache lines.
    const partialBytes = Math.ceil(this.k.f32_conv3x3_4x8_scratch_bytes(cout) / 64) * 64;
    const partial = this.allocator.alloc(partialBytes * this.pool.threads);
    // Pieces of one output row, or of a row's channel group where a small map has too
    // few rows to keep every thread busy to the end. Only the scheduling changes: each
    // output is computed the same way whatever the pieces.
    const groups = Math.min(Math.ceil(cout / 4), Math.ceil((PIECES_PER_THREAD * this.pool.threads) / hout));
    const coGroup = Math.ceil(cout / groups / 4) * 4;
    this.pool.run({
      kernel: 'f32_conv3x3_4x8',
      args: {
        packed, rowBytes, lineBytes: line * 4, step, taps: this.taps, cin, packedWeights: weights, bias: this.ptr(bias),
        out: this.ptr(out), cout, hout, wout, residual: residual === null ? 0 : this.ptr(residual), partial, coGroup,
      },
      total: hout * Math.ceil(cout / coGroup),
      unit: 1,
      scratch: { partial: partialBytes },
    });
    this.allocator.free(partial);
    this.allocator.free(packed);
  }

  /**
   * The fast mode's 3×3 convolution: Winograd on x (s1), on x upsampled (up2), or on the
   * phases of x (s2: a 2×2 convolution of 4·C_in channels at half the size).
   */
  private conv3x3Winograd(x: Tensor, weight: Tensor, bias: Tensor, conv: Conv3x3Kind, residual: Tensor | null, out: Tensor): void {
    let [cin, h, w] = x.shape as [number, number, number];
    const [cout, hout, wout] = out.shape as [number, number, number];
    const { ptr: weights, kind } = this.winogradWeights(weight, conv, wout);
    const { m, r, kernel } = WINOGRAD_KERNELS[kind];
    let input = this.ptr(x);
    let phases = 0; // (4·C_in, H/2, W/2) for s2
    if (conv === 's2') {
      phases = this.allocator.alloc(cin * h * w * 4);
      this.pool.run({ kernel: 'f32_split_phases', args: { x: input, c: cin, h, w, out: phases }, total: cin, unit: 4 });
      [input, cin, h, w] = [phases, 4 * cin, h / 2, w / 2];
    }
    // The grid of m × m output tiles, its width in whole quads of 4 tiles.
    const th = Math.ceil(hout / m);
    const qw = Math.ceil(wout / (4 * m));
    // Chunks of quads, each split into channel groups where there are too few chunks to
    // keep every thread busy; each output is computed the same way whatever the pieces.
    // Every group redoes its chunk's input transform, so fewer pieces per thread than
    // elsewhere: on 16×16 maps (one chunk) 4 groups on 2 threads instead of 8.
    const chunks = this.k.f32_winograd_chunks(th * qw, m, r);
    const block = this.k.f32_winograd_co_block();
    const groups = Math.min(Math.ceil(cout / block), Math.ceil((WINOGRAD_PIECES_PER_THREAD * this.pool.threads) / chunks));
    const coGroup = Math.ceil(cout / groups / block) * block;
    const scratchBytes = Math.ceil(this.k.f32_winograd_scratch_bytes(cin, m, r) / 64) * 64;
    const scratch = this.allocator.alloc(scratchBytes * this.pool.threads);
    writeRecord(this.memory, this.winogradParams, 'WinogradParams', {
      x: input, cin, h, w, up: conv === 'up2' ? 1 : 0, th, qw, u: weights, bias: this.ptr(bias), out: this.ptr(out),
      cout, hout, wout, residual: residual === null ? 0 : this.ptr(residual), coGroup,
    });
    this.pool.run({
      kernel,
      args: { params: this.winogradParams, scratch },
      total: chunks * Math.ceil(cout / coGroup),
      unit: 1,
      scratch: { scratch: scratchBytes },
    });
    this.allocator.free(scratch);
    if (phases !== 0) this.allocator.free(phases);
  }

  /**
   * A weight in a kernel's layout, made once by `make` from the row-major copy, which is
   * then given back (see WasmTensor.moved).
   */
  private derivedWeights(
    weight: Tensor, cache: WeakMap<Tensor, WasmTensor>, make: (cout: number, cin: number) => WasmTensor,
  ): number {
    let derived = cache.get(weight);
    if (derived === undefined) {
      if ((weight as WasmTensor).moved) throw anotherLayout(weight);
      derived = make(weight.shape[0]!, weight.shape[1]!);
      cache.set(weight, derived);
      this.release(weight);
      (weight as WasmTensor).moved = true;
    }
    return derived.ptr;
  }

  /** (C_out, C_in, 3, 3) weights as (C_out/4, C_in, 9, 4) blocks. */
  private packedWeights(weight: Tensor): number {
    return this.derivedWeights(weight, this.derived, (cout, cin) => {
      const packed = this.alloc([Math.ceil(cout / 4) * 4 * cin * 9]);
      this.k.f32_pack3x3_weights(this.ptr(weight), cout, cin, packed.ptr);
      return packed;
    });
  }

  /**
   * (C_out, C_in, 3, 3) weights Winograd-transformed for `conv` (s1 and up2: the tile that
   * maps `width` wide call for, or the one they were made for earlier), as
   * (C_out / B, P, C_in', B) blocks of B = f32_winograd_co_block() channels,
   * missing channels zero; P points, C_in' = 4·C_in for s2 (the phases).
   */
  private winogradWeights(weight: Tensor, conv: Conv3x3Kind, width: number): { ptr: number; kind: WinogradKind } {
    const kind = this.kinds.get(weight) ?? winogradKindFor(conv, width);
    if (!winogradKindServes(kind, conv)) throw anotherLayout(weight);
    const ptr = this.derivedWeights(weight, this.transformed, (cout, cin) => {
      const { m, r } = WINOGRAD_KERNELS[kind];
      const points = (m + r - 1) ** 2;
      const cinU = kind === 's2' ? 4 * cin : cin;
      const u = transformedWeights(weight.data, cout, cin, kind); // (P, C_out, C_in')
      const b = this.k.f32_winograd_co_block();
      const blocks = Math.ceil(cout / b);
      const packed = this.alloc([points * blocks * cinU * b]);
      const d = packed.data;
      d.fill(0);
      for (let p = 0; p < points; p++) {
        for (let co = 0; co < cout; co++) {
          const from = (p * cout + co) * cinU;
          const to = (Math.floor(co / b) * points + p) * cinU * b + (co % b);
          for (let ci = 0; ci < cinU; ci++) d[to + b * ci] = u[from + ci]!;
        }
      }
      return packed;
    });
    this.kinds.set(weight, kind);
    return { ptr, kind };
  }

  conv1x1(x: Tensor, weight: Tensor, bias: Tensor, residual: Tensor | null, out: Tensor): void {
    const [cin, h, w] = x.shape as [number, number, number];
    const pixels = h * w;
    const blocks = Math.ceil(pixels / 8); // the kernel's blocks of 8 pixels
    const packed = this.allocator.alloc(blocks * cin * 32);
    this.pool.run({ kernel: 'f32_pack1x1', args: { x: this.ptr(x), cin, pixels, packed }, total: blocks, unit: 16 });
    this.pool.run({
      kernel: 'f32_conv1x1_4x8',
      args: {
        packed, cin, pixels, weight: this.ptr(weight), bias: this.ptr(bias), out: this.ptr(out), cout: out.shape[0]!,
        residual: residual === null ? 0 : this.ptr(residual),
      },
      total: blocks,
      unit: Math.max(1, Math.floor(blocks / (PIECES_PER_THREAD * this.pool.threads))),
    });
    this.allocator.free(packed);
  }

  groupNorm(x: Tensor, weight: Tensor, bias: Tensor, groups: number, swish: boolean, out: Tensor): void {
    const [c, h, w] = x.shape as [number, number, number];
    this.pool.run({
      kernel: 'f32_group_norm',
      args: {
        x: this.ptr(x), channels: c, pixels: h * w, weight: this.ptr(weight), bias: this.ptr(bias), groups,
        out: this.ptr(out), swish: swish ? 1 : 0, expConstants: this.expConstants,
      },
      total: groups,
      unit: 1,
    });
  }

  attention(q: Tensor, k: Tensor, v: Tensor, scale: number, scores: Tensor, out: Tensor): void {
    const [c, h, w] = q.shape as [number, number, number];
    const n = h * w;
    const vt = this.allocator.alloc(c * n * 4); // (N, C)
    this.pool.run({ kernel: 'f32_transpose', args: { x: this.ptr(v), rows: c, cols: n, out: vt }, total: c, unit: 32 });
    this.pool.run({
      kernel: 'f32_attention_rows',
      args: {
        q: this.ptr(q), k: this.ptr(k), vt, channels: c, n, scale, scores: this.ptr(scores), out: this.ptr(out),
        expConstants: this.expConstants,
      },
      total: n,
      unit: 8,
    });
    this.allocator.free(vt);
  }

  codebookNorms(codebook: Tensor, norms: Tensor): void {
    const [codes, dim] = codebook.shape as [number, number];
    this.k.f32_codebook_norms(this.ptr(codebook), codes, dim, this.ptr(norms));
  }

  codebookArgmin(z: Tensor, codebook: Tensor, norms: Tensor, tokens: Int32Array): void {
    const [dim, h, w] = z.shape as [number, number, number];
    const codes = codebook.shape[0]!;
    let blocked = this.derived.get(codebook);
    if (blocked === undefined) {
      blocked = this.alloc([Math.ceil(codes / 8) * 8 * dim]);
      this.k.f32_codebook_block8(this.ptr(codebook), codes, dim, blocked.ptr);
      this.derived.set(codebook, blocked);
    }
    const positions = h * w;
    const out = this.allocator.alloc(positions * 4);
    // Few pieces, each a multiple of the kernel's 4 positions: a piece reads the whole
    // codebook once, whatever its number of positions.
    const unit = Math.ceil(positions / (2 * this.pool.threads) / 4) * 4;
    const stateBytes = Math.ceil(this.k.f32_codebook_argmin_state_bytes(unit) / 64) * 64;
    const state = this.allocator.alloc(stateBytes * this.pool.threads);
    this.pool.run({
      kernel: 'f32_codebook_argmin',
      args: { z: this.ptr(z), dim, positions, blocked: blocked.ptr, codes, norms: this.ptr(norms), tokens: out, state },
      total: positions,
      unit,
      scratch: { state: stateBytes },
    });
    tokens.set(new Int32Array(this.memory.buffer, out, positions));
    this.allocator.free(state);
    this.allocator.free(out);
  }
}

/** A 3×3 weight asked for in a layout other than the one its values moved into. */
function anotherLayout(weight: Tensor): Error {
  return new Error(`wasm backend: this ${weight.shape.join('×')} weight is already in another layout (a 3×3 weight serves one kind of convolution)`);
}
