/**
 * Threads never change the bytes: every fixture case up to 512 tokens, in both modes, at 1, 2 and 3 threads (3 on
 * purpose: pieces that do not divide evenly among the threads, and more threads than this
 * machine's 2 cores) gives the same tokens,
 * latents and decoded images; and the thread pool hands out every piece of every job
 * exactly once, over thousands of back-to-back jobs.
 */
import '../../src/entries/install_node.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBackend } from '../../src/api/engine.js';
import { WasmBackend } from '../../src/compute/wasm/backend.js';
import { instantiateKernels, kernelModuleFor } from '../../src/compute/wasm/kernel_binaries.js';
import { ThreadPool } from '../../src/compute/wasm/thread_pool.js';
import { nodeFixtureOutputs } from '../helpers/node_fixture_outputs.js';

test('fixture outputs, exact and fast mode, are byte-identical at 1, 2 and 3 threads', async () => {
  const one = await nodeFixtureOutputs(1);
  assert.is(one.threads, 1);
  assert.ok(Object.keys(one.digests).length >= 22, 'every case up to 512 tokens has digests, in both modes');
  for (const threads of [2, 3]) {
    const many = await nodeFixtureOutputs(threads);
    assert.is(many.threads, threads);
    for (const [key, digest] of Object.entries(one.digests)) {
      assert.is(many.digests[key], digest, `${key}: ${threads} threads differ from 1 thread`);
    }
  }
});

test('the thread pool computes each piece once, job after job', async () => {
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 16, shared: true });
  const k = await instantiateKernels(memory);
  const pool = await ThreadPool.start(k, await kernelModuleFor(memory), memory, 4);
  try {
    // f32_transpose of an (R, C) matrix, R rows cut into pieces of 3: small jobs, so that
    // workers still busy with one job race the next one.
    const src = 0;
    const dst = 65536;
    const f32 = new Float32Array(memory.buffer);
    for (let job = 0; job < 3000; job++) {
      const rows = 1 + (job % 37);
      const cols = 1 + ((job * 7) % 29);
      for (let i = 0; i < rows * cols; i++) f32[i] = job * 1000 + i;
      f32.fill(-1, dst / 4, dst / 4 + rows * cols);
      pool.run({ kernel: 'f32_transpose', args: { x: src, rows, cols, out: dst }, total: rows, unit: 3 });
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const got = f32[dst / 4 + c * rows + r];
          if (got !== job * 1000 + r * cols + c) {
            assert.unreachable(`job ${job} (${rows}×${cols}): out[${c}, ${r}] = ${got}`);
          }
        }
      }
    }
  } finally {
    pool.close();
  }
});

test('a kernel that traps on any thread fails the job with an error, and the pool goes on', async () => {
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 16, shared: true });
  const k = await instantiateKernels(memory);
  const pool = await ThreadPool.start(k, await kernelModuleFor(memory), memory, 3);
  try {
    for (let round = 0; round < 20; round++) {
      // out (256, 128) at 65536 ends past the memory's 128 KiB: every piece traps, on
      // whichever of the three threads claims it.
      try {
        pool.run({ kernel: 'f32_transpose', args: { x: 0, rows: 128, cols: 256, out: 65536 }, total: 128, unit: 1 });
        assert.unreachable('an out-of-bounds store did not fail');
      } catch (err) {
        assert.match((err as Error).message, /^kernel f32_transpose failed/);
      }
      pool.run({ kernel: 'f32_transpose', args: { x: 0, rows: 4, cols: 4, out: 1024 }, total: 4, unit: 1 });
    }
  } finally {
    pool.close();
  }
});

test('threads: bad counts are refused with a clear error', async () => {
  for (const bad of [0, -1, 1.5]) {
    try {
      await createBackend('wasm', bad);
      assert.unreachable(`threads ${bad} accepted`);
    } catch (err) {
      assert.match((err as Error).message, `threads must be a positive integer, not ${bad}`);
    }
  }
  const backend = await createBackend('wasm', 2);
  assert.ok(backend instanceof WasmBackend && backend.threads === 2);
  backend.dispose();
});

test.run();
