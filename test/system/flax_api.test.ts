/**
 * The API on both Flax msgpack fixtures gives tiny.ckpt's tokens, latents and decoded
 * images byte for byte (the whole model on fixture images, so it runs with the system
 * tests; test/unit/weights_flax.test.ts checks the tensors themselves bit for bit).
 */
import '../../src/entries/install_node.js';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Vqgan } from '../../src/api/vqgan.js';
import { Tensor } from '../../src/core/tensor.js';
import { parseNpy } from '../../src/io/npy.js';
import { CASES, GOLDEN, TINY_CKPT, TINY_CONFIG, TINY_FLAX, TINY_FLAX_OLD, sameBytes } from '../helpers/golden.js';

test('the API on each fixture gives the tokens, latents and outputs of tiny.ckpt, byte for byte', async () => {
  const options = { threads: 1 } as const;
  const reference = await Vqgan.load(TINY_CKPT, options);
  const models = [await Vqgan.load(TINY_FLAX, options), await Vqgan.load(TINY_FLAX_OLD, options)];
  try {
    for (const vq of models) assert.equal(vq.config, TINY_CONFIG);
    const encodeCases = CASES.filter((c) => !c.decode_only && c.tokens_hw[0] * c.tokens_hw[1] <= 16 * 24).slice(0, 2);
    assert.is(encodeCases.length, 2);
    for (const c of encodeCases) {
      const npy = parseNpy(new Uint8Array(readFileSync(`${GOLDEN}${c.name}.input.npy`)), c.name);
      const input = new Tensor(npy.shape, npy.data as Float32Array);
      const want = await reference.encode(input);
      const decoded = await reference.decode(want);
      for (const vq of models) {
        const got = await vq.encode(input);
        assert.ok(sameBytes(got.tokens, want.tokens), `${c.name}: tokens`);
        assert.ok(sameBytes(got.latent.data, want.latent.data), `${c.name}: latent`);
        assert.ok(sameBytes((await vq.decode(got)).data, decoded.data), `${c.name}: decoded`);
      }
    }
    const c = CASES.find((x) => x.decode_only)!;
    const [height, width] = c.tokens_hw;
    const tokens = parseNpy(new Uint8Array(readFileSync(`${GOLDEN}${c.name}.tokens.npy`)), c.name).data;
    const grid = { height, width, tokens: Int32Array.from(tokens as ArrayLike<number>) };
    const want = await reference.decode(grid);
    for (const vq of models) assert.ok(sameBytes((await vq.decode(grid)).data, want.data), `${c.name}: decoded`);
  } finally {
    reference.dispose();
    for (const vq of models) vq.dispose();
  }
});

test.run();
