/**
 * The pixel kernels' instance and arenas: one shared instance whichever way it is asked
 * for, and every block an arena hands out back in the memory when its call ends.
 */
import '../../src/entries/install_node.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PixelKernels, pixelKernels, preparePixelKernels } from '../../src/compute/wasm/pixel_kernels.js';

test('pixelKernels() instantiates synchronously here (Node), and preparePixelKernels() gives the same instance', async () => {
  const now = pixelKernels();
  assert.ok(now instanceof PixelKernels);
  assert.is(await preparePixelKernels(), now);
  assert.is(pixelKernels(), now);
});

test('an arena\'s blocks are released when its call returns or throws; arenas nest', async () => {
  const kernels = await PixelKernels.create();
  const firstBlock = kernels.withArena((arena) => arena.alloc(100));
  // Released: the next call is handed the same address.
  assert.is(kernels.withArena((arena) => arena.alloc(100)), firstBlock);
  assert.throws(() =>
    kernels.withArena((arena) => {
      arena.alloc(1000);
      throw new Error('fails inside');
    }), /fails inside/);
  kernels.withArena((outer) => {
    const a = outer.alloc(64);
    assert.is(a, firstBlock);
    const inner = kernels.withArena((arena) => arena.alloc(64));
    assert.is.not(inner, a, 'an inner arena does not hand out the outer one\'s blocks');
    // The inner block is free again: the outer arena gets it next.
    assert.is(outer.alloc(64), inner);
  });
  assert.is(kernels.withArena((arena) => arena.alloc(100)), firstBlock);
});

test('an arena grows the memory for a large block, and its views see the new memory', async () => {
  const kernels = await PixelKernels.create();
  const before = kernels.memory.buffer.byteLength;
  kernels.withArena((arena) => {
    const ptr = arena.alloc(8 * 2 ** 20);
    assert.ok(kernels.memory.buffer.byteLength >= ptr + 8 * 2 ** 20 && kernels.memory.buffer.byteLength > before);
    arena.bytes(ptr, 4).set([1, 2, 3, 4]);
    assert.equal([...arena.int32(ptr, 1)], [0x04030201]);
  });
});

test.run();
