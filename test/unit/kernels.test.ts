/**
 * Every WebAssembly kernel against its scalar TypeScript twin on seeded random inputs:
 * bit-identical outputs over many shapes, including channel counts and widths that are
 * not multiples of 4 or of the register tiles (4 × 8, 5 × 8), 1×1 maps and non-square
 * maps; on one thread and on three; in the exact mode and, for the 3×3 convolutions, the
 * fast mode (Winograd). The pixel kernels (8-bit resampling) likewise, byte for byte.
 */
import '../../src/entries/install_node.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend, ComputeMode } from '../../src/compute/backend.js';
import * as ops from '../../src/compute/ops.js';
import { createReferenceBackend, referenceBackend } from '../../src/compute/reference/backend.js';
import type { Conv3x3Kind } from '../../src/compute/backend.js';
import { Tensor } from '../../src/core/tensor.js';
import { WasmBackend } from '../../src/compute/wasm/backend.js';
import { kernelModuleFor } from '../../src/compute/wasm/kernel_binaries.js';
import { instantiateKernelModule } from '../../src/compute/wasm/kernels.js';
import { PixelKernels, type PixelArena } from '../../src/compute/wasm/pixel_kernels.js';
import { resampleColumns, resampleRowsRgb, type ResampleWeights } from '../../src/compute/reference/resample.js';
import { resampleWeights, type ResampleFilter } from '../../src/image/resample_weights.js';
import { debugKernelModuleFor } from '../helpers/debug_kernels.js';
import { type JpegOps, referenceJpegKernels, wasmJpegKernels } from '../../src/image/jpeg/jpeg_kernels.js';

/**
 * One thread, and three (pieces of rows and channel groups that do not divide evenly), per
 * mode; on the debug build of the kernels, which checks their preconditions.
 */
const debugBackends = (mode: ComputeMode): Promise<WasmBackend[]> =>
  Promise.all([1, 3].map((threads) => WasmBackend.create(threads, mode, debugKernelModuleFor)));
const wasms: Record<ComputeMode, WasmBackend[]> = {
  exact: await debugBackends('exact'),
  fast: await debugBackends('fast'),
};
const references: Record<ComputeMode, Backend> = { exact: referenceBackend, fast: createReferenceBackend('fast') };

/** xorshift32: the same inputs on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32 - 0.5;
  };
}

function randomTensor(shape: number[], rnd: () => number, scale = 1): Tensor {
  const t = new Tensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = rnd() * 2 * scale;
  return t;
}

/** The first differing element (bits, so −0 ≠ +0), or '' when identical. */
function firstDifference(a: Float32Array | Int32Array, b: Float32Array | Int32Array): string {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (x.length !== y.length) return `lengths ${x.length} and ${y.length}`;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return `index ${i}: reference ${a[i]}, wasm ${b[i]}`;
  return '';
}

/**
 * Runs f on the reference and each wasm backend of `mode` (inputs adopted into each) and
 * compares the outputs bit for bit; returns the reference's output.
 */
function same(
  what: string,
  inputs: Tensor[],
  f: (be: Backend, ...xs: Tensor[]) => Tensor | Int32Array,
  mode: ComputeMode = 'exact',
): Tensor | Int32Array {
  const want = f(references[mode], ...inputs);
  for (const wasm of wasms[mode]) {
    const adopted = inputs.map((t) => wasm.adopt(t));
    let got = f(wasm, ...adopted);
    if (got instanceof Tensor) got = wasm.download(got);
    adopted.forEach((t) => wasm.release(t));
    const diff = firstDifference(want instanceof Tensor ? want.data : want, got instanceof Tensor ? got.data : got);
    assert.is(diff, '', `${what}, ${mode} mode, ${wasm.threads} thread(s): ${diff}`);
  }
  return want;
}

/**
 * A random 3×3 convolution for each shape (C_in, C_out, H, W) and kind (s2 only where H
 * and W are even): x, its weight and bias, and a residual the size of the output.
 */
function* conv3x3Cases(
  shapes: readonly (readonly [number, number, number, number])[],
  kinds: Conv3x3Kind[],
  rnd: () => number,
) {
  for (const [cin, cout, h, w] of shapes) {
    for (const kind of kinds) {
      if (kind === 's2' && (h % 2 || w % 2)) continue;
      const [ho, wo] = kind === 's2' ? [h / 2, w / 2] : kind === 'up2' ? [2 * h, 2 * w] : [h, w];
      const x = randomTensor([cin, h, w], rnd);
      const conv = [randomTensor([cout, cin, 3, 3], rnd, 0.5), randomTensor([cout], rnd)] as const;
      const residual = randomTensor([cout, ho, wo], rnd);
      yield { kind, label: `conv3x3 ${kind} ${cin}→${cout} ${h}×${w}`, x, conv, residual };
    }
  }
}

test('conv3x3: s1, s2, up2, with and without residual', () => {
  const rnd = random(1);
  const shapes: [number, number, number, number][] = [
    // cin, cout, h, w
    [3, 8, 16, 16],
    [5, 7, 9, 13],
    [4, 4, 1, 1],
    [6, 3, 2, 2],
    [8, 12, 6, 20],
    [1, 1, 3, 5],
    [16, 9, 8, 12],
    [7, 5, 10, 4],
    [3, 6, 4, 36],
  ];
  for (const { kind, label, x, conv, residual } of conv3x3Cases(shapes, ['s1', 's2', 'up2'], rnd)) {
    same(label, [x, ...conv], (be, x, w, b) => ops.conv3x3(be, x, { weight: w, bias: b }, kind));
    same(
      `${label} + residual`,
      [x, ...conv, residual],
      (be, x, w, b, r) => ops.conv3x3(be, x, { weight: w, bias: b }, kind, r),
    );
  }
});

test('conv3x3: the padding taps add w·0, signed zeros included', () => {
  // A zero input and a bias of −0: the canonical order gives −0 + (±0) sums.
  const x = new Tensor([2, 3, 5]);
  const w = randomTensor([4, 2, 3, 3], random(2));
  const b = new Tensor([4], new Float32Array([-0, 0, -0, 0]));
  for (const kind of ['s1', 'up2'] as Conv3x3Kind[]) {
    same(`zeros ${kind}`, [x, w, b], (be, x, w, b) => ops.conv3x3(be, x, { weight: w, bias: b }, kind));
  }
});

test('conv3x3 fast mode (Winograd F(4×4), F(6×6); s2: F(4×4, 2×2) on phases): against the reference bit for bit and the exact mode within 1e-5', () => {
  const rnd = random(7);
  const shapes: [number, number, number, number][] = [
    // cin, cout, h, w: tiles and quads cut by the map's edges, 1×1 maps, channel counts
    // around the 5-channel blocks, and maps large enough for patches read straight from x
    // (F(6×6): from 14 × 51 for s1, 7 × 27 for up2; s2: from 10 × 40).
    [3, 8, 16, 16],
    [5, 7, 9, 13],
    [4, 4, 1, 1],
    [6, 3, 2, 2],
    [8, 12, 6, 20],
    [1, 1, 3, 5],
    [16, 9, 13, 37],
    [7, 11, 21, 35],
    [12, 10, 24, 48],
    [2, 5, 5, 70],
    [6, 7, 14, 60],
  ];
  for (const { kind, label, x, conv, residual } of conv3x3Cases(shapes, ['s1', 'up2', 's2'], rnd)) {
    const exact = ops.conv3x3(referenceBackend, x, { weight: conv[0], bias: conv[1] }, kind);
    // Each tile on every shape: the weight prepared as if made for maps 1 or 64 wide (s2
    // has one tile).
    for (const [tile, width] of kind === 's2' ? [[4, 1] as const] : [[4, 1], [6, 64]] as const) {
      const what = `${label} F(${tile}×${tile}${kind === 's2' ? ', 2×2' : ''})`;
      const weight = new Tensor(conv[0].shape, conv[0].data.slice()); // a weight keeps its first tile
      const run = (be: Backend, x: Tensor, w: Tensor, b: Tensor, r: Tensor | null): Tensor => {
        be.prepareConv3x3(w, kind, width);
        return ops.conv3x3(be, x, { weight: w, bias: b }, kind, r);
      };
      const fast = same(what, [x, weight, conv[1]], (be, x, w, b) => run(be, x, w, b, null), 'fast') as Tensor;
      same(`${what} + residual`, [x, weight, conv[1], residual], (be, x, w, b, r) => run(be, x, w, b, r), 'fast');
      let [worst, at, scale] = [0, 0, 1];
      exact.data.forEach((e, i) => {
        scale = Math.max(scale, Math.abs(e));
        if (Math.abs(fast.data[i]! - e) > worst) [worst, at] = [Math.abs(fast.data[i]! - e), i];
      });
      assert.ok(
        worst <= 1e-5 * scale,
        `${what}: fast − exact = ${worst} at index ${at} (exact ${exact.data[at]}), over 1e-5 × ${scale}`,
      );
    }
  }
});

test('a 3×3 weight keeps the Winograd tile it was prepared for', () => {
  // Prepared for maps 64 wide (F(6×6)), then used on an 8-wide map whose own choice would
  // be F(4×4): the same bytes as the reference prepared the same way, not as F(4×4).
  const rnd = random(11);
  const x = randomTensor([3, 8, 8], rnd);
  const conv = [randomTensor([4, 3, 3, 3], rnd, 0.5), randomTensor([4], rnd)] as const;
  const run = (be: Backend, width: number): Tensor => {
    const weight = be.adopt(new Tensor(conv[0].shape, conv[0].data.slice()));
    be.prepareConv3x3(weight, 's1', width);
    const out = ops.conv3x3(be, be.adopt(x), { weight, bias: be.adopt(conv[1]) }, 's1');
    return be === references.fast ? out : (be as WasmBackend).download(out);
  };
  const f6 = run(references.fast, 64);
  assert.is(firstDifference(f6.data, run(wasms.fast[0]!, 64).data), '');
  assert.is.not(firstDifference(f6.data, run(references.fast, 8).data), '');
});

test('a 3×3 weight transformed for Winograd is not read as a packed one', () => {
  const be = wasms.fast[0]!;
  const weight = be.adopt(randomTensor([4, 4, 3, 3], random(9)));
  const [x, bias] = [be.adopt(randomTensor([4, 4, 4], random(10))), be.adopt(new Tensor([4]))];
  be.prepareConv3x3(weight, 's1', 4);
  assert.throws(() => ops.conv3x3(be, x, { weight, bias }, 's2'), /4×4×3×3 weight is already in another layout/);
});

test('conv1x1', () => {
  const rnd = random(3);
  for (
    const [cin, cout, h, w] of [[3, 8, 4, 4], [5, 7, 3, 7], [16, 4, 1, 1], [9, 13, 2, 9], [64, 3, 5, 5], [
      12,
      10,
      13,
      11,
    ]]
  ) {
    const x = randomTensor([cin!, h!, w!], rnd);
    const conv = [randomTensor([cout!, cin!, 1, 1], rnd), randomTensor([cout!], rnd)];
    const residual = randomTensor([cout!, h!, w!], rnd);
    same(`conv1x1 ${cin}→${cout} ${h}×${w}`, [x, ...conv], (be, x, w, b) => ops.conv1x1(be, x, { weight: w, bias: b }));
    same(
      `conv1x1 + residual ${cin}→${cout} ${h}×${w}`,
      [x, ...conv, residual],
      (be, x, w, b, r) => ops.conv1x1(be, x, { weight: w, bias: b }, r),
    );
  }
});

test('group norm, with and without swish', () => {
  const rnd = random(4);
  for (const [c, h, w] of [[32, 4, 4], [64, 3, 5], [32, 1, 1], [96, 7, 1], [32, 16, 16]]) {
    const x = randomTensor([c!, h!, w!], rnd, 3);
    const norm = [randomTensor([c!], rnd), randomTensor([c!], rnd)];
    for (const swish of [false, true]) {
      same(
        `group norm ${c}×${h}×${w} swish ${swish}`,
        [x, ...norm],
        (be, x, g, b) => ops.groupNorm(be, x, { weight: g, bias: b }, swish),
      );
    }
  }
});

test('swish over the whole float range, through group norm', () => {
  // Values from −120 to 120 reach both clamps of expf and its subnormal results.
  const c = 32;
  const x = new Tensor([c, 1, 16]);
  for (let i = 0; i < x.data.length; i++) x.data[i] = (i - 256) * 0.47;
  const ones = new Tensor([c], new Float32Array(c).fill(60));
  const zeros = new Tensor([c]);
  same('swish range', [x, ones, zeros], (be, x, g, b) => ops.groupNorm(be, x, { weight: g, bias: b }, true));
});

test('attention', () => {
  const rnd = random(5);
  for (const [c, h, w] of [[4, 4, 4], [8, 3, 5], [17, 2, 3], [32, 1, 1], [20, 5, 7], [64, 8, 8]]) {
    const [q, k, v] = [
      randomTensor([c!, h!, w!], rnd, 2),
      randomTensor([c!, h!, w!], rnd, 2),
      randomTensor([c!, h!, w!], rnd),
    ];
    same(`attention ${c}×${h}×${w}`, [q, k, v], (be, q, k, v) => ops.attention(be, q, k, v));
  }
});

test('codebook norms and argmin, ties to the first index', () => {
  const rnd = random(6);
  // 1024 and 600 codes: several chunks of 256, the last one partial.
  for (
    const [d, k, h, w] of [[4, 16, 2, 2], [5, 13, 3, 1], [64, 100, 4, 4], [8, 7, 1, 1], [16, 1024, 2, 3], [
      8,
      600,
      5,
      7,
    ]]
  ) {
    const codebook = randomTensor([k!, d!], rnd);
    // Duplicate codes make exact ties: the first index must win on both backends.
    for (let c = 0; c < d!; c++) codebook.data[(k! - 1) * d! + c] = codebook.data[c]!;
    const z = randomTensor([d!, h!, w!], rnd);
    for (let c = 0; c < d!; c++) z.data[c * h! * w!] = codebook.data[c]!; // position 0 sits on code 0 (and its twin)
    same(`codebook norms ${k}×${d}`, [codebook], (be, e) => ops.codebookNorms(be, e));
    same(`codebook argmin ${k}×${d} at ${h}×${w}`, [z, codebook], (be, z, e) => {
      const norms = ops.codebookNorms(be, e);
      const tokens = ops.codebookArgmin(be, z, e, norms);
      be.release(norms);
      return tokens;
    });
    const tokens = ops.codebookArgmin(referenceBackend, z, codebook, ops.codebookNorms(referenceBackend, codebook));
    assert.is(tokens[0], 0, 'a tie goes to the first index');
  }
});

/** The pixel kernels on the debug build. */
const pixels = await PixelKernels.create(debugKernelModuleFor);

/** Random bytes, with a fill for the bytes a kernel must not write. */
function randomBytes(length: number, rnd: () => number): Uint8Array {
  return Uint8Array.from({ length }, () => Math.floor((rnd() + 0.5) * 256));
}

/**
 * Random weights for inSize → outSize: windows of random place and length (0 … taps), any
 * int32 values, so that sums wrap and clip both ways.
 */
function randomWeights(inSize: number, outSize: number, taps: number, rnd: () => number): ResampleWeights {
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    count[i] = Math.floor((rnd() + 0.5) * (Math.min(taps, inSize) + 1));
    first[i] = Math.floor((rnd() + 0.5) * (inSize - count[i]! + 1));
  }
  const weights = Int32Array.from({ length: outSize * taps }, () => Math.floor((rnd() + 0.5) * 2 ** 32) | 0);
  return { first, count, taps, weights };
}

/** `values` in the arena: their address. */
function inArena(arena: PixelArena, values: Uint8Array | Int32Array): number {
  const ptr = arena.alloc(values.byteLength + 8); // + 8: u8_resample_rows_rgb's over-read
  arena.bytes(ptr, values.byteLength).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return ptr;
}

/** The first differing byte, or ''. */
function firstByteDifference(want: Uint8Array, got: Uint8Array): string {
  const i = want.findIndex((v, j) => v !== got[j]);
  return i < 0 ? '' : `byte ${i}: twin ${want[i]}, kernel ${got[i]}`;
}

/** Both passes by kernel and twin on `rows` rows (strides past the rows' bytes; dst pre-filled). */
function sameResample(
  what: string,
  pass: 'rows' | 'columns',
  w: ResampleWeights,
  src: Uint8Array,
  srcStride: number,
  size: number,
  dstStride: number,
  rnd: () => number,
): void {
  const outCount = w.first.length;
  // rows: size = rows; columns: size = bytes per row.
  const dstLength = pass === 'rows' ? (size - 1) * dstStride + outCount * 3 : (outCount - 1) * dstStride + size;
  const want = randomBytes(dstLength, rnd);
  const got = pixels.withArena((arena) => {
    const [s, first, count, weights] = [src, w.first, w.count, w.weights].map((a) => inArena(arena, a)) as [
      number,
      number,
      number,
      number,
    ];
    const d = inArena(arena, want);
    const k = pixels.exports;
    if (pass === 'rows') {
      const packed = arena.alloc(k.u8_pack_rows_rgb_weights_bytes(outCount, w.taps));
      k.u8_pack_rows_rgb_weights(outCount, count, weights, w.taps, packed);
      k.u8_resample_rows_rgb(s, srcStride, size, d, dstStride, outCount, first, count, packed, w.taps);
    } else {
      k.u8_resample_columns(s, srcStride, size, d, dstStride, outCount, first, count, weights, w.taps);
    }
    return arena.bytes(d, dstLength).slice();
  });
  if (pass === 'rows') resampleRowsRgb(src, 0, srcStride, size, want, 0, dstStride, w);
  else resampleColumns(src, 0, srcStride, size, want, 0, dstStride, w);
  const diff = firstByteDifference(want, got);
  assert.is(diff, '', `${what}: ${diff}`);
}

/**
 * in → out sizes: same size, 1 pixel either way, odd sizes, upscales, scales around 1 and
 * large shrink factors (a 4000 × 3000 photo to 256 on its shorter side).
 */
const RESAMPLE_SIZES: readonly (readonly [number, number])[] = [
  [1, 1],
  [1, 7],
  [7, 1],
  [2, 1],
  [5, 5],
  [3, 2],
  [13, 12],
  [12, 13],
  [100, 99],
  [99, 100],
  [255, 256],
  [257, 256],
  [17, 256],
  [33, 497],
  [640, 33],
  [1001, 37],
  [4000, 341],
  [3000, 256],
  [4000, 256],
];

/** Pillow's filters whose weights the resize passes take. */
const FILTERS: readonly ResampleFilter[] = ['lanczos', 'bicubic', 'box'];

test('u8_resample_rows_rgb: the twin\'s bytes, Pillow\'s filters\' and random weights', () => {
  const rnd = random(21);
  for (const [inW, outW] of RESAMPLE_SIZES) {
    for (const rows of [1, 2, 3, 6]) {
      const srcStride = inW * 3 + (rows % 2) * 5; // rows apart by more than their bytes, or not
      const src = randomBytes((rows - 1) * srcStride + inW * 3, rnd);
      const dstStride = outW * 3 + (rows > 2 ? 7 : 0);
      const label = `rows ${inW}→${outW}, ${rows} row(s)`;
      for (const f of FILTERS) {
        sameResample(`${label}, ${f}`, 'rows', resampleWeights(f, inW, outW), src, srcStride, rows, dstStride, rnd);
      }
      const taps = 1 + Math.floor((rnd() + 0.5) * 12);
      const w = randomWeights(inW, outW, taps, rnd);
      sameResample(`${label}, random weights, ${taps} taps`, 'rows', w, src, srcStride, rows, dstStride, rnd);
    }
  }
});

test('u8_resample_columns: the twin\'s bytes, Pillow\'s filters\' and random weights', () => {
  const rnd = random(22);
  for (const [inH, outH] of RESAMPLE_SIZES) {
    // Rows under 16 bytes (one byte at a time), of 16 and not a multiple of 16 (the last
    // 16 overlap), up to a 341-pixel row.
    for (const rowBytes of [1, 3, 15, 16, 17, 33, 48, 1023]) {
      if (rowBytes === 1023 && inH > 1000) continue; // kept small: 1001 → 37 covers the shrink
      const srcStride = rowBytes + (rowBytes % 2) * 9;
      const src = randomBytes((inH - 1) * srcStride + rowBytes, rnd);
      const dstStride = rowBytes + (rowBytes > 16 ? 3 : 0);
      const label = `columns ${inH}→${outH}, rows of ${rowBytes} bytes`;
      for (const f of FILTERS) {
        const w = resampleWeights(f, inH, outH);
        sameResample(`${label}, ${f}`, 'columns', w, src, srcStride, rowBytes, dstStride, rnd);
      }
      const taps = 1 + Math.floor((rnd() + 0.5) * 12);
      const w = randomWeights(inH, outH, taps, rnd);
      sameResample(`${label}, random weights, ${taps} taps`, 'columns', w, src, srcStride, rowBytes, dstStride, rnd);
    }
  }
});

/**
 * The JPEG kernels against their twins through the decoder's own sessions: `inputs` fill
 * the session's buffers (the same bytes on both sides), `run` writes outputs into them;
 * every buffer and `extra` (an ordinary array the ops write to) must come out equal.
 */
function sameJpeg(
  what: string,
  buffers: Uint8Array[],
  maxBlocks: number,
  run: (b: Uint8Array[], ops: JpegOps, extra: Uint8Array) => void,
  extraLength = 0,
): void {
  const request = { buffers: buffers.map((b) => b.length), maxBlocks, maxRgbBytes: extraLength };
  const results = [referenceJpegKernels, wasmJpegKernels(pixels)].map((kernels) =>
    kernels.session(request, (b, ops) => {
      b.forEach((buffer, i) => buffer.set(buffers[i]!));
      const extra = new Uint8Array(extraLength);
      run(b, ops, extra);
      return [...b.map((buffer) => buffer.slice()), extra];
    })
  );
  results[0]!.forEach((want, i) => {
    const diff = firstByteDifference(want, results[1]![i]!);
    assert.is(diff, '', `${what}, buffer ${i}: ${diff}`);
  });
}

test('i16_idct8x8_islow: the twin\'s bytes, typical and extreme coefficients and tables', () => {
  const rnd = random(31);
  const int16 = (limit: number) => Math.round(rnd() * 2 * limit);
  for (
    const [blocksPerLine, blockRows, extreme] of [[1, 1, false], [2, 1, true], [3, 2, false], [5, 3, true], [
      4,
      1,
      false,
    ]] as const
  ) {
    for (let trial = 0; trial < 4; trial++) {
      const count = blocksPerLine * blockRows * 64;
      // Typical: small AC terms, many zeros (the zero shortcuts' cases); extreme: full int16, tables too.
      const coefs = Int16Array.from(
        { length: count },
        (_, i) => extreme ? int16(32767) : i % 64 === 0 ? int16(1000) : rnd() > 0.2 ? 0 : int16(60),
      );
      const quant = Int16Array.from({ length: 64 }, () => extreme ? int16(32767) : 1 + Math.floor((rnd() + 0.5) * 99));
      const outStride = blocksPerLine * 8 + trial * 3;
      const out = randomBytes(blockRows * 8 * outStride, rnd);
      sameJpeg(
        `${blocksPerLine}×${blockRows} blocks, ${extreme ? 'extreme' : 'typical'}, stride ${outStride}`,
        [out],
        count / 64,
        (b, ops) => {
          ops.idct(coefs, quant, blocksPerLine, blockRows, b[0]!, 0, outStride);
        },
      );
    }
  }
});

test('u8_upsample_* and u8_ycc_to_rgb: the twins\' bytes over widths around the 8-lane steps', () => {
  const rnd = random(32);
  for (const dw of [1, 2, 3, 4, 7, 8, 9, 10, 11, 16, 17, 18, 25, 33, 100, 257]) {
    const rows = randomBytes(3 * dw + 16, rnd); // three input rows, dw bytes apart
    const out = randomBytes(2 * dw + 16, rnd);
    sameJpeg(`dw ${dw}`, [rows, out], 1, (b, ops) => {
      const [src, dst] = b as [Uint8Array, Uint8Array];
      if (dw >= 2) {
        ops.upsampleH2V1Fancy(src, dw, dw, dst, 1);
        ops.upsampleH2V2Fancy(src, dw, 0, dw, dst, 0);
        ops.upsampleH2V2Fancy(src, dw, 2 * dw, dw, dst, 3);
      }
      for (const bias of [1, 2]) ops.upsampleH1V2Fancy(src, 0, 2 * dw, dw, bias, dst, bias);
      for (const h of [1, 2, 3, 4]) ops.upsampleReplicate(src, 1, h, Math.min(2 * dw, dw * h - 1), dst, h);
    });
    for (const height of [1, 3]) {
      const stride = dw + 5;
      const planes = randomBytes(3 * height * stride, rnd);
      sameJpeg(`ycc ${dw}×${height}`, [planes], 1, (b, ops, rgb) => {
        const p = b[0]!;
        ops.yccToRgb(
          { y: p, yo: 0, cb: p, cbo: height * stride, cr: p, cro: 2 * height * stride },
          stride,
          dw,
          height,
          rgb,
          0,
        );
      }, dw * height * 3);
    }
  }
});

test('the debug build checks preconditions: a violated one throws its message; release builds do not', async () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const debug = await instantiateKernelModule(await debugKernelModuleFor(memory), memory);
  const release = await instantiateKernelModule(await kernelModuleFor(memory), memory);
  const [x, out] = [debug.heap_base() + 64, debug.heap_base() + 1024]; // past the debug build's messages
  // A (1, 3, 4) map: an odd height has no phases.
  assert.throws(
    () => debug.f32_split_phases(x, 1, 3, 4, out, 0, 1),
    /^kernel precondition failed: H and W must be positive and even \(kernels\/phases\.ts:\d+:\d+\)$/,
  );
  assert.throws(() => debug.f32_transpose(x, 4, 4, out, 2, 5), /range \[lo, hi\) must lie in \[0, total\]/);
  release.f32_split_phases(x, 1, 3, 4, out, 0, 1);
  debug.f32_split_phases(x, 1, 4, 4, out, 0, 1);
});

test.after(() => [...wasms.exact, ...wasms.fast].forEach((w) => w.dispose()));

test.run();
