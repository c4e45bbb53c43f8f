/**
 * The WebAssembly SIMD backend: tensors live in one WebAssembly memory, the kernels
 * (kernels/*.ts) compute on them in the canonical order, so results are the reference
 * backend's bytes. Scratch buffers (packed inputs, partial sums, transposes) come from
 * the same allocator and go back to it when the kernel returns.
 */
import type { Backend } from '../backend.js';
import type { Conv3x3Mode } from '../reference/conv3x3.js';
import { Tensor, shapeSize } from '../tensor.js';
import { Allocator } from './allocator.js';
import { instantiateKernels, type Kernels } from './kernels.js';

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
  private readonly taps: number; // 9 i32 tap offsets, rewritten per convolution

  private constructor(readonly memory: WebAssembly.Memory, private readonly k: Kernels) {
    this.allocator = new Allocator(memory);
    this.taps = this.allocator.alloc(9 * 4);
  }

  static async create(): Promise<WasmBackend> {
    const memory = new WebAssembly.Memory({ initial: 1 });
    return new WasmBackend(memory, await instantiateKernels(memory));
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

  conv3x3(x: Tensor, weight: Tensor, bias: Tensor, mode: Conv3x3Mode, residual: Tensor | null, out: Tensor): void {
    const [cin, h, w] = x.shape as [number, number, number];
    const [cout, hout, wout] = out.shape as [number, number, number];
    // The packed layouts of kernels/conv3x3.ts: packed rows, floats per channel line,
    // packed rows per output row, and each tap's column within a line.
    const [rows, line, step, columns] = mode === 's1' ? [h + 2, 12, 1, [0, 1, 2]]
      : mode === 'up2' ? [2 * h + 2, 12, 1, [0, 1, 2]] : [h + 1, 20, 2, [0, 10, 1]];
    // Rows a little longer than their data, so that their stride is no multiple of 4 KiB.
    const rowBytes = Math.ceil(wout / 8) * cin * line * 4 + 256;
    const packed = this.allocator.alloc(rows * rowBytes);
    const taps = new Int32Array(this.memory.buffer, this.taps, 9);
    for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) taps[ky * 3 + kx] = ky * rowBytes + columns[kx]! * 4;
    const pack = mode === 's1' ? this.k.f32_pack3x3_s1 : mode === 'up2' ? this.k.f32_pack3x3_up2 : this.k.f32_pack3x3_s2;
    pack(this.ptr(x), cin, h, w, packed, rowBytes);
    const partial = this.allocator.alloc(Math.ceil(cout / 4) * 32 * 4);
    this.k.f32_conv3x3_4x8(packed, rowBytes, line * 4, step, this.taps, cin, this.packedWeights(weight), this.ptr(bias),
      this.ptr(out), cout, hout, wout, residual === null ? 0 : this.ptr(residual), partial);
    this.allocator.free(partial);
    this.allocator.free(packed);
  }

  /**
   * (C_out, C_in, 3, 3) weights as (C_out/4, C_in, 9, 4) blocks, packed at first use; the
   * row-major copy is given back (see WasmTensor.moved).
   */
  private packedWeights(weight: Tensor): number {
    let packed = this.derived.get(weight);
    if (packed === undefined) {
      const [cout, cin] = weight.shape as [number, number];
      packed = this.alloc([Math.ceil(cout / 4) * 4 * cin * 9]);
      this.k.f32_pack_weights3x3(this.ptr(weight), cout, cin, packed.ptr);
      this.derived.set(weight, packed);
      this.release(weight);
      (weight as WasmTensor).moved = true;
    }
    return packed.ptr;
  }

  conv1x1(x: Tensor, weight: Tensor, bias: Tensor, residual: Tensor | null, out: Tensor): void {
    const [cin, h, w] = x.shape as [number, number, number];
    this.k.f32_conv1x1_4x8(this.ptr(x), cin, h * w, this.ptr(weight), this.ptr(bias), this.ptr(out), out.shape[0]!,
      residual === null ? 0 : this.ptr(residual));
  }

  groupNorm(x: Tensor, weight: Tensor, bias: Tensor, groups: number, swish: boolean, out: Tensor): void {
    const [c, h, w] = x.shape as [number, number, number];
    this.k.f32_group_norm(this.ptr(x), c, h * w, this.ptr(weight), this.ptr(bias), groups, this.ptr(out), swish ? 1 : 0);
  }

  attention(q: Tensor, k: Tensor, v: Tensor, scale: number, scores: Tensor, out: Tensor): void {
    const [c, h, w] = q.shape as [number, number, number];
    const vt = this.allocator.alloc(c * h * w * 4);
    this.k.f32_attention(this.ptr(q), this.ptr(k), this.ptr(v), c, h * w, scale, this.ptr(scores), vt, this.ptr(out));
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
    const out = this.allocator.alloc(h * w * 4);
    this.k.f32_codebook_argmin(this.ptr(z), dim, h * w, blocked.ptr, codes, this.ptr(norms), out);
    tokens.set(new Int32Array(this.memory.buffer, out, h * w));
    this.allocator.free(out);
  }
}
