/** ops.argmaxChannels, the GumbelVQ tokens: the largest channel per position, the first on ties, NaN never winning. */
import '../../src/entries/install_node.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { argmaxChannels } from '../../src/compute/ops.js';
import { Tensor } from '../../src/core/tensor.js';

test('per position the channel of the largest value, the first of equal ones', () => {
  // (3 channels, 1 × 4 positions): position 0 → 2; 1 → tie of 0 and 2 → 0; 2 → 1; 3 → all equal → 0.
  const x = new Tensor([3, 1, 4], Float32Array.from([1, 5, 0, 7, /**/ 2, 1, 3, 7, /**/ 9, 5, -1, 7]));
  assert.equal([...argmaxChannels(x)], [2, 0, 1, 0]);
});

test('NaN never wins; a position of NaNs gives 0; −∞ and +∞ compare as numbers', () => {
  const x = new Tensor([3, 1, 3], Float32Array.from([NaN, NaN, -Infinity, /**/ 1, NaN, -1, /**/ 0, NaN, Infinity]));
  assert.equal([...argmaxChannels(x)], [1, 0, 2]);
});

test('a tensor that is not (C, h, w) is refused', () => {
  assert.throws(() => argmaxChannels(new Tensor([4, 4])), /argmaxChannels/);
});

test.run();
