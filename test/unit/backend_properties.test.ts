/**
 * Properties of the backends beyond single kernels: the WebAssembly memory stops
 * growing once an image size has been seen (buffers are reused, not reallocated), the
 * missing-SIMD fallback says so and still gives the same bytes, and no numeric path
 * uses the engine's own transcendental functions or relaxed SIMD.
 */
import '../../src/entries/install_node.js';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Vqgan } from '../../src/api/vqgan.js';
import { Tensor } from '../../src/core/tensor.js';
import { TINY_CKPT, sameBytes } from '../helpers/golden.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('after the first image of a size, the memory stops growing', async () => {
  // In place (worker: false), so that the test can look at the backend's memory.
  const vq = await Vqgan.load(TINY_CKPT, { backend: 'wasm', worker: false });
  const memory =
    (vq as unknown as { inPlace: { model: { backend: { memory: WebAssembly.Memory; peakBytes: number; }; }; }; })
      .inPlace.model.backend;
  const x = new Tensor([3, 32, 48], new Float32Array(3 * 32 * 48).map((_, i) => Math.sin(i)));
  const first = await vq.encode(x);
  await vq.decode(first);
  const [bytes, peak] = [memory.memory.buffer.byteLength, memory.peakBytes];
  for (let i = 0; i < 3; i++) {
    const again = await vq.encode(x);
    assert.ok(sameBytes(again.latent.data, first.latent.data), 'same input, same latent');
    await vq.decode(again);
  }
  assert.is(memory.memory.buffer.byteLength, bytes, 'WebAssembly memory grew on a repeated size');
  assert.is(memory.peakBytes, peak, 'more memory in use on a repeated size');
});

test('without WebAssembly SIMD the engine says so and falls back to the reference backend', async () => {
  const validate = WebAssembly.validate;
  const warn = console.warn;
  const warnings: string[] = [];
  WebAssembly.validate = () => false;
  console.warn = (message: string) => warnings.push(message);
  try {
    // In place (worker: false): the patched validate is this thread's.
    const vq = await Vqgan.load(TINY_CKPT, { backend: 'wasm', worker: false });
    assert.is(vq.backend, 'reference');
    assert.match(warnings.join('\n'), /no WebAssembly SIMD; using the scalar reference backend/);
    const grid = { height: 1, width: 1, tokens: new Int32Array([5]) };
    const wasm = await (async () => {
      WebAssembly.validate = validate;
      return Vqgan.load(TINY_CKPT, { backend: 'wasm' });
    })();
    assert.is(wasm.backend, 'wasm');
    assert.ok(sameBytes((await vq.decode(grid)).data, (await wasm.decode(grid)).data));
  } finally {
    WebAssembly.validate = validate;
    console.warn = warn;
  }
});

function sources(dir: string): string[] {
  return readdirSync(`${ROOT}${dir}`, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.generated.ts'))
    .map((f) => `${dir}/${f}`);
}

test('numeric code uses the project\'s own exp, no engine transcendentals, no relaxed SIMD', () => {
  const offenders: string[] = [];
  for (const file of [...sources('src'), ...sources('kernels')]) {
    const text = readFileSync(`${ROOT}${file}`, 'utf8');
    text.split('\n').forEach((line, i) => {
      if (/^\s*(\*|\/\/|\/\*)/.test(line)) return; // comments may name what the code avoids
      if (
        /Math\.(exp|expm1|log|log1p|log2|pow|tanh|sinh|cosh)\b|Mathf?\.(exp|log|pow)\b|relaxed_|f32x4\.relaxed/.test(
          line,
        )
      ) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.equal(offenders, []);
});

test.run();
