#!/usr/bin/env node
/**
 * SHA-256 of every output the tiny fixture gives through the public API, one line each:
 * for each golden case (test/fixtures/tiny/golden/manifest.json) and compute mode (exact,
 * fast): the tokens and latent of encoding its input.npy, the image of decoding
 * PyTorch's tokens, and the PNG of that image (decodeImage, then encodePng). The wasm
 * backend by default; `--reference` adds the scalar backend (slow: half an hour for the
 * 512×512 case in both modes on 2 cores). The test suite checks that both agree.
 *
 * Used to show that a change moved no output byte:
 *   node scripts/fixture_digests.mjs > before.txt   (on the old commit, after npm run build)
 *   node scripts/fixture_digests.mjs > after.txt    (on the new one)
 *   diff before.txt after.txt
 * It reads only dist/src/entries/node.js, the package's entry, so it runs unchanged
 * across any reorganisation of the modules behind it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const api = await import(`${root}dist/src/entries/node.js`);
const { Vqgan, Tensor, parseNpy, encodePng, BACKEND_NAMES, COMPUTE_MODES } = api;

const tiny = `${root}test/fixtures/tiny/`;
const read = (path) => new Uint8Array(readFileSync(`${tiny}${path}`));
const npy = (file) => parseNpy(read(`golden/${file}`), file);
const sha256 = (view) =>
  createHash('sha256')
    .update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)).digest('hex');

const cases = JSON.parse(new TextDecoder().decode(read('golden/manifest.json')));
const backends = process.argv.includes('--reference') ? BACKEND_NAMES : ['wasm'];
for (const backend of backends) {
  for (const mode of COMPUTE_MODES) {
    const vq = await Vqgan.load(read('tiny.ckpt'), { backend, mode, threads: 1 });
    try {
      for (const c of cases) {
        const key = `${backend}/${mode}/${c.name}`;
        if (!c.decode_only) {
          const input = npy(`${c.name}.input.npy`);
          const r = await vq.encode(new Tensor(input.shape, input.data));
          console.log(`${key}.tokens ${sha256(r.tokens)}`);
          console.log(`${key}.latent ${sha256(r.latent.data)}`);
        }
        const [height, width] = c.tokens_hw;
        const tokens = npy(`${c.name}.tokens.npy`).data;
        const decoded = await vq.decode({ height, width, tokens });
        console.log(`${key}.decoded ${sha256(decoded.data)}`);
        const image = await vq.decodeImage({ height, width, tokens });
        console.log(`${key}.png ${sha256(encodePng(image))}`);
      }
    } finally {
      vq.dispose();
    }
  }
}
