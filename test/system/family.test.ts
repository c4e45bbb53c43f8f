/**
 * The VQGAN family's fixture models (test/fixtures/family/, each in its family's own
 * layout, with golden outputs of that family's PyTorch code): loaded from their files as
 * published (the configuration from the file beside the weights), then every golden case
 * through the API on the WebAssembly backend in both modes; on the scalar reference
 * backend, the decode-only cases it runs within seconds (the f4 and f8 families') and,
 * for every family, an encode and a decode of small inputs bit for bit the WebAssembly
 * backend's: latent within 5e-5, tokens equal wherever the margin is at least 1e-4, decoded
 * within 5e-4 (fast mode: its own bounds).
 */
import '../../src/entries/install_node.js';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Vqgan } from '../../src/api/vqgan.js';
import type { ComputeMode } from '../../src/compute/backend.js';
import type { VqganError } from '../../src/core/errors.js';
import { Tensor } from '../../src/core/tensor.js';
import { decodeImage } from '../../src/image/decode.js';
import { platform } from '../../src/platform/platform.js';
import { readCheckpoint } from '../../src/weights/checkpoint.js';
import { stateDictCheckpoint } from '../helpers/make_checkpoint.js';
import { loadWeights } from '../../src/weights/load.js';
import { writeSafetensors } from '../../src/weights/safetensors.js';
import {
  compareTokens,
  FAST_TOLERANCE,
  FIXTURES,
  type GoldenCase,
  goldenArray,
  maxAbsDiff,
  sameBytes,
  TOLERANCE,
} from '../helpers/golden.js';

interface Family {
  readonly folder: string;
  /** The layout's weights file, as family.json names it. */
  readonly weights: string;
  /** The configuration the model must come with. */
  readonly expect: Partial<Record<'attn_type' | 'quantizer', string>> & { resolution: number; };
}

const FAMILIES: readonly Family[] = [
  { folder: 'ldm-vq-f4-noattn', weights: 'model.ckpt', expect: { attn_type: 'none', resolution: 256 } },
  { folder: 'chameleon', weights: 'tokenizer/vqgan.ckpt', expect: { resolution: 512 } },
  { folder: 'gumbel-f8', weights: 'last.ckpt', expect: { quantizer: 'gumbel', resolution: 256 } },
  { folder: 'llamagen-vq16', weights: 'vq_ds16_c2i.pt', expect: { quantizer: 'l2norm', resolution: 256 } },
  { folder: 'diffusers-amused', weights: 'vqvae', expect: { attn_type: 'none', resolution: 256 } },
];

/**
 * The scalar reference backend, minutes per encode at these sizes, runs the decode-only
 * cases (the whole decoder and the codebook lookup); kernels.test.ts and threads.test.ts
 * hold it to the WebAssembly backend's bits on every op.
 */
const SETUPS: readonly { backend: 'wasm' | 'reference'; mode: ComputeMode; decodeOnly?: boolean; }[] = [
  { backend: 'wasm', mode: 'exact' },
  { backend: 'wasm', mode: 'fast' },
  { backend: 'reference', mode: 'exact', decodeOnly: true },
];

/**
 * Whether the scalar backend decodes case `c` within seconds: outputs up to 64×192 pixels
 * (the f4 and f8 families' decode-only cases; an f16 family's takes 20 s there).
 */
const cheapOnReference = (c: GoldenCase, factor: number): boolean =>
  c.tokens_hw[0] * c.tokens_hw[1] * factor * factor <= 64 * 192;

/**
 * The scalar backend against the WebAssembly backend, bit for bit, on every family: an
 * encode (the family's quantizer included) of the top-left corner of the first encoded
 * case's input, 4·f pixels a side, and a decode of a 2×3 grid of its tokens (a full-size
 * case takes the scalar backend from 20 s to minutes).
 */
async function sameAsWasm(reference: Vqgan, weights: string, cases: GoldenCase[], dir: string): Promise<void> {
  const wasm = await Vqgan.load(weights, { threads: 1 });
  try {
    const c = cases.find((c) => !c.decode_only)!;
    const input = goldenArray(`${c.name}.input.npy`, dir);
    const [, , height, width] = input.shape as [number, number, number, number];
    const side = 4 * reference.factor;
    const corner = new Tensor([3, side, side]);
    for (let ch = 0; ch < 3; ch++) {
      for (let y = 0; y < side; y++) {
        const from = (ch * height + y) * width;
        corner.data.set(input.data.subarray(from, from + side) as Float32Array, (ch * side + y) * side);
      }
    }
    const [a, b] = await Promise.all([reference.encode(corner), wasm.encode(corner)]);
    assert.ok(sameBytes(a.latent.data, b.latent.data), `${c.name} corner: reference latent ≠ wasm latent`);
    assert.equal([...a.tokens], [...b.tokens], `${c.name} corner: reference tokens ≠ wasm tokens`);
    const all = goldenArray(`${c.name}.tokens.npy`, dir).data as Int32Array;
    const grid = {
      height: 2,
      width: 3,
      tokens: Int32Array.from([0, 1, 2, c.tokens_hw[1], c.tokens_hw[1] + 1, c.tokens_hw[1] + 2], (i) => all[i]!),
    };
    const [x, y] = await Promise.all([reference.decode(grid), wasm.decode(grid)]);
    assert.ok(sameBytes(x.data, y.data), `${c.name} 2×3 tokens: reference decoded ≠ wasm decoded`);
  } finally {
    wasm.dispose();
  }
}

for (const family of FAMILIES) {
  const root = `${FIXTURES}family/${family.folder}/`;
  const dir = `${root}golden/`;
  const declared = JSON.parse(readFileSync(`${root}family.json`, 'utf8')) as { weights: string; };
  const cases = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) as GoldenCase[];
  for (const { backend, mode, decodeOnly } of SETUPS) {
    const which = decodeOnly
      ? 'the small decode-only cases, and bit for bit the WebAssembly backend'
      : 'every golden case';
    test(`${family.folder}: ${which}, ${backend} backend, ${mode} mode`, async () => {
      assert.is(declared.weights, family.weights, 'family.json names the weights file');
      const vq = await Vqgan.load(`${root}${family.weights}`, { backend, mode, threads: 2 });
      try {
        const { config } = vq;
        assert.is(config.resolution, family.expect.resolution, 'resolution');
        assert.is(config.attn_type ?? 'vanilla', family.expect.attn_type ?? 'vanilla', 'attn_type');
        assert.is(config.quantizer ?? 'nearest', family.expect.quantizer ?? 'nearest', 'quantizer');
        const bound = mode === 'fast' ? FAST_TOLERANCE : TOLERANCE;
        for (const c of cases.filter((c) => !decodeOnly || (c.decode_only && cheapOnReference(c, vq.factor)))) {
          const [h, w] = c.tokens_hw;
          if (!c.decode_only) {
            const input = goldenArray(`${c.name}.input.npy`, dir);
            const r = await vq.encode(new Tensor(input.shape, input.data as Float32Array));
            const latent = goldenArray(`${c.name}.latent.npy`, dir);
            const d = maxAbsDiff(r.latent.data, latent.data, latent.shape);
            assert.ok(d.max <= bound.latent, `${c.name}: latent max |Δ| ${d.max} > ${bound.latent} at ${d.where}`);
            const t = compareTokens(c.name, r.tokens, w, bound.tokenMargin, dir);
            assert.equal(t.failures, [], `${c.name}: tokens differ where the margin ≥ ${bound.tokenMargin}`);
          }
          const tokens = goldenArray(`${c.name}.tokens.npy`, dir).data as Int32Array;
          const decoded = await vq.decode({ height: h, width: w, tokens });
          const golden = goldenArray(`${c.name}.decoded.npy`, dir);
          const d = maxAbsDiff(decoded.data, golden.data, golden.shape);
          assert.ok(d.max <= bound.decoded, `${c.name}: decoded max |Δ| ${d.max} > ${bound.decoded} at ${d.where}`);
        }
        if (backend === 'reference') await sameAsWasm(vq, `${root}${family.weights}`, cases, dir);
      } finally {
        vq.dispose();
      }
    });
  }
}

test('chameleon: --preset chameleon end to end: source image → the model input, tokens → the decoded PNG', async () => {
  const root = `${FIXTURES}family/chameleon/`;
  const dir = `${root}golden/`;
  const vq = await Vqgan.load(`${root}tokenizer/vqgan.ckpt`, { threads: 2 });
  try {
    const source = decodeImage(new Uint8Array(readFileSync(`${dir}mountain.source.png`)), 'mountain.source.png');
    const r = await vq.encode(source, { preset: 'chameleon' }); // the preset's 512×512
    const input = goldenArray('mountain_512x512.input.npy', dir);
    assert.ok(sameBytes(r.modelInput.data, input.data), 'the model input is Chameleon\'s preprocessing, bit for bit');
    const t = compareTokens('mountain_512x512', r.tokens, 32, TOLERANCE.tokenMargin, dir);
    assert.equal(t.failures, [], 'tokens differ where the margin ≥ 1e-4');
    const tokens = goldenArray('mountain_512x512.tokens.npy', dir).data as Int32Array;
    const image = await vq.decodeImage({ height: 32, width: 32, tokens }, { preset: 'chameleon' });
    const want = decodeImage(new Uint8Array(readFileSync(`${dir}mountain_512x512.decoded.png`)), 'decoded.png');
    let off = 0;
    let worst = 0;
    for (let i = 0; i < want.data.length; i++) {
      const d = Math.abs(image.data[i]! - want.data[i]!);
      if (d > 0) off++;
      worst = Math.max(worst, d);
    }
    // The bound: at most 1 level off, on under 0.5% of the values (float32 decoder outputs differ by ~1e-4).
    assert.ok(
      worst <= 1 && off < 0.005 * want.data.length,
      `${off} of ${want.data.length} values off, by up to ${worst}`,
    );
    console.log(`  chameleon decoded PNG: ${off} of ${want.data.length} values off (by at most ${worst})`);
  } finally {
    vq.dispose();
  }
});

test('janus: the LlamaGen tokenizer inside a whole model, sharded, read through its index: only its tensors, the .pt\'s tokens', async () => {
  const root = `${FIXTURES}family/llamagen-vq16/`;
  const pt = `${root}vq_ds16_c2i.pt`;
  const src = await platform().files.openFile(pt);
  const raw = await readCheckpoint(src).finally(() => src.close()); // LlamaGen's own names
  const folder = mkdtempSync(join(tmpdir(), 'vqgan-janus-'));
  try {
    // Two shards, the tokenizer's tensors split between them beside 8 MB of other weights each.
    const keys = [...raw.tensors.keys()];
    const shards: Map<string, Tensor>[] = [new Map(), new Map()];
    keys.forEach((k, i) => shards[i < keys.length / 2 ? 0 : 1]!.set(`gen_vision_model.${k}`, raw.tensors.get(k)!));
    shards[0]!.set('language_model.model.embed_tokens.weight', new Tensor([2048, 1024]));
    shards[1]!.set('vision_model.vision_tower.blocks.0.attn.qkv.weight', new Tensor([2048, 1024]));
    const weightMap: Record<string, string> = {};
    shards.forEach((shard, i) => {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      writeFileSync(join(folder, file), writeSafetensors(shard));
      for (const k of shard.keys()) weightMap[k] = file;
    });
    writeFileSync(
      join(folder, 'model.safetensors.index.json'),
      JSON.stringify({ metadata: {}, weight_map: weightMap }),
    );
    writeFileSync(
      join(folder, 'config.json'),
      JSON.stringify({ gen_vision_config: { cls: 'VQ-16', params: { image_token_size: 1024, n_embed: 8 } } }),
    );

    const loaded = await loadWeights(folder);
    assert.equal(
      [...loaded.tensors.keys()].filter((k) => !k.startsWith('encoder.') && !k.startsWith('decoder.')).sort(),
      [
        'post_quant_conv.bias',
        'post_quant_conv.weight',
        'quant_conv.bias',
        'quant_conv.weight',
        'quantize.embedding.weight',
      ],
    );
    const others = 2 * 2048 * 1024 * 4;
    assert.ok(
      loaded.bytesRead <= loaded.size - others, // every byte but the other weights' at most
      `read ${loaded.bytesRead} of ${loaded.size} bytes: the other weights too`,
    );
    // One model.safetensors with everything in it reads the same way (only the prefixed tensors).
    const single = join(folder, 'single');
    mkdirSync(single);
    writeFileSync(join(single, 'model.safetensors'), writeSafetensors(new Map([...shards[0]!, ...shards[1]!])));
    assert.equal([...(await loadWeights(single)).tensors.keys()].sort(), [...loaded.tensors.keys()].sort());
    // transformers' torch.save shards (Janus-Pro-7B's pytorch_model-0000N-of-00002.bin) read the same way.
    const bins = join(folder, 'bins');
    mkdirSync(bins);
    const binMap = Object.fromEntries(
      Object.entries(weightMap).map((
        [k, f],
      ) => [k, f.replace('model-', 'pytorch_model-').replace('.safetensors', '.bin')]),
    );
    shards.forEach((shard, i) =>
      writeFileSync(join(bins, `pytorch_model-0000${i + 1}-of-00002.bin`), stateDictCheckpoint(shard))
    );
    writeFileSync(join(bins, 'pytorch_model.bin.index.json'), JSON.stringify({ weight_map: binMap }));
    const fromBins = await loadWeights(bins);
    assert.equal([...fromBins.tensors.keys()].sort(), [...loaded.tensors.keys()].sort());
    assert.ok(
      fromBins.bytesRead <= fromBins.size - others,
      `.bin shards: read ${fromBins.bytesRead} of ${fromBins.size} bytes`,
    );
    const [janus, llamagen] = await Promise.all([Vqgan.load(folder, { threads: 1 }), Vqgan.load(pt, { threads: 1 })]);
    try {
      // Janus's config.json: 384×384 images, attention still at the deepest level; the rest from the shapes.
      assert.equal(janus.config, { ...llamagen.config, resolution: 384, attn_resolutions: [24] });
      const input = goldenArray('mountain_256x256.input.npy', `${root}golden/`);
      const [a, b] = await Promise.all(
        [janus, llamagen].map((vq) => vq.encode(new Tensor(input.shape, input.data as Float32Array))),
      );
      assert.ok(sameBytes(a!.tokens, b!.tokens), 'the same tokens as the .pt');
    } finally {
      janus.dispose();
      llamagen.dispose();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('diffusers: a VQModel with spatial norms (MoVQ) and a VAE are refused in one line, naming what was found', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'vqgan-movq-'));
  try {
    const vqvae = `${FIXTURES}family/diffusers-amused/vqvae/`;
    copyFileSync(`${vqvae}diffusion_pytorch_model.safetensors`, join(folder, 'diffusion_pytorch_model.safetensors'));
    const config = JSON.parse(readFileSync(`${vqvae}config.json`, 'utf8')) as Record<string, unknown>;
    const refused = async (changes: Record<string, unknown>, message: RegExp): Promise<void> => {
      writeFileSync(join(folder, 'config.json'), JSON.stringify({ ...config, ...changes }));
      try {
        await Vqgan.load(folder);
        assert.unreachable('loaded');
      } catch (err) {
        assert.is((err as VqganError).code, 'UNSUPPORTED');
        assert.match((err as Error).message, message);
      }
    };
    await refused({ norm_type: 'spatial' }, /config\.json: VQModel with norm_type "spatial" \(Kandinsky's MoVQ/);
    await refused(
      { _class_name: 'AutoencoderKL' },
      /config\.json: a diffusers AutoencoderKL, not a VQModel; supported: /,
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test.run();
