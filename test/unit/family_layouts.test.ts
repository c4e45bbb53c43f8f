/** LlamaGen's names mapped to taming's, and the L2 normalisation its quantizer uses. */
import '../../src/entries/install_node.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { l2Normalize } from '../../src/compute/ops.js';
import { referenceBackend } from '../../src/compute/reference/backend.js';
import { Tensor } from '../../src/core/tensor.js';
import { recognizeLayout } from '../../src/weights/layouts.js';
import { configFromText, loadWeights } from '../../src/weights/load.js';
import { writeSafetensors } from '../../src/weights/safetensors.js';
import { RELEASED_CONFIGS } from '../../src/model/released_configs.js';
import { configFromObject } from '../../src/model/config.js';
import type { VqganError } from '../../src/core/errors.js';

test('LlamaGen keys become taming keys: levels, the decoder reversed, the middle, no usage counter', () => {
  const keys = [
    'encoder.conv_blocks.0.res.0.conv1.weight',
    'encoder.conv_blocks.1.downsample.conv.weight',
    'encoder.conv_blocks.2.attn.1.q.weight',
    'encoder.mid.0.norm1.weight',
    'encoder.mid.1.proj_out.weight',
    'encoder.mid.2.conv2.bias',
    'decoder.conv_blocks.0.res.2.conv1.weight',
    'decoder.conv_blocks.0.upsample.conv.weight',
    'decoder.conv_blocks.2.attn.0.k.bias',
    'decoder.mid.1.norm.weight',
    'quantize.embedding.weight',
    'quantize.codebook_used',
    'quant_conv.weight',
  ];
  const layout = recognizeLayout(new Map(keys.map((k) => [k, new Tensor([1])])));
  assert.is(layout.name, 'llamagen');
  assert.is(layout.quantizer, 'l2norm');
  assert.equal([...layout.tensors.keys()], [
    'encoder.down.0.block.0.conv1.weight',
    'encoder.down.1.downsample.conv.weight',
    'encoder.down.2.attn.1.q.weight',
    'encoder.mid.block_1.norm1.weight',
    'encoder.mid.attn_1.proj_out.weight',
    'encoder.mid.block_2.conv2.bias',
    'decoder.up.2.block.2.conv1.weight', // 3 decoder levels (0..2): conv_blocks.0 is up.2
    'decoder.up.2.upsample.conv.weight',
    'decoder.up.0.attn.0.k.bias',
    'decoder.mid.attn_1.norm.weight',
    'quantize.embedding.weight',
    'quant_conv.weight',
  ]);
  const taming = new Map([['encoder.conv_in.weight', new Tensor([1])]]);
  assert.is(recognizeLayout(taming).tensors, taming, 'taming names pass through as they are');
});

test('diffusers VQModel keys become taming keys; Linear attention weights become 1×1 convolutions', () => {
  const t = (...shape: number[]) => new Tensor(shape);
  const layout = recognizeLayout(
    new Map([
      ['encoder.down_blocks.0.resnets.0.conv1.weight', t(4, 4, 3, 3)],
      ['encoder.down_blocks.1.resnets.0.conv_shortcut.weight', t(8, 4, 1, 1)],
      ['encoder.down_blocks.0.downsamplers.0.conv.bias', t(4)],
      ['encoder.down_blocks.1.attentions.1.to_q.weight', t(8, 8)],
      ['encoder.mid_block.resnets.1.norm2.weight', t(8)],
      ['encoder.mid_block.attentions.0.group_norm.weight', t(8)],
      ['encoder.mid_block.attentions.0.to_out.0.weight', t(8, 8)],
      ['encoder.conv_norm_out.bias', t(8)],
      ['decoder.up_blocks.0.resnets.2.conv2.weight', t(8, 8, 3, 3)],
      ['decoder.up_blocks.0.upsamplers.0.conv.weight', t(8, 8, 3, 3)],
      ['decoder.up_blocks.1.attentions.0.proj_attn.bias', t(4)],
      ['decoder.mid_block.attentions.0.query.weight', t(8, 8)],
      ['quantize.embedding.weight', t(16, 2)],
    ]),
  );
  assert.is(layout.name, 'diffusers');
  assert.equal([...layout.tensors].map(([k, v]) => `${k} ${v.shape.join('×')}`), [
    'encoder.down.0.block.0.conv1.weight 4×4×3×3',
    'encoder.down.1.block.0.nin_shortcut.weight 8×4×1×1',
    'encoder.down.0.downsample.conv.bias 4',
    'encoder.down.1.attn.1.q.weight 8×8×1×1',
    'encoder.mid.block_2.norm2.weight 8',
    'encoder.mid.attn_1.norm.weight 8',
    'encoder.mid.attn_1.proj_out.weight 8×8×1×1',
    'encoder.norm_out.bias 8',
    'decoder.up.1.block.2.conv2.weight 8×8×3×3', // 2 decoder levels: up_blocks.0 is up.1
    'decoder.up.1.upsample.conv.weight 8×8×3×3',
    'decoder.up.0.attn.0.proj_out.bias 4',
    'decoder.mid.attn_1.q.weight 8×8×1×1',
    'quantize.embedding.weight 16×2',
  ]);
});

test('files of no known layout are refused in one line: what was found, and what is supported', async () => {
  const file = (tensors: [string, number[]][]) =>
    writeSafetensors(new Map(tensors.map(([k, shape]) => [k, new Tensor(shape)])));
  const taming: [string, number[]][] = [['encoder.conv_in.weight', [32, 3, 3, 3]], ['quantize.embedding.weight', [
    4,
    2,
  ]]];
  const cases: [string, Uint8Array, RegExp][] = [
    [
      'emu3.safetensors',
      file([...taming, ['encoder.time_res_stack.0.conv1.weight', [4, 4, 3, 1, 1]]]),
      /^emu3\.safetensors: an Emu3 vision tokenizer \(encoder\.time_res_stack\.0\.conv1\.weight: temporal convolutions\); supported: taming/,
    ],
    [
      'movq.safetensors',
      file([...taming, ['decoder.up.0.block.0.norm1.norm_layer.weight', [32]]]),
      /^movq\.safetensors: spatially conditioned norms \(decoder\.up\.0\.block\.0\.norm1\.norm_layer\.weight: Kandinsky's MoVQ decoder\); supported: /,
    ],
    [
      'vae.safetensors',
      file([['encoder.conv_in.weight', [32, 3, 3, 3]], ['quant_conv.weight', [8, 8, 1, 1]]]),
      /^vae\.safetensors: no codebook \(quantize\.embedding\.weight\): a VAE, not a VQ model; supported: /,
    ],
    [
      'bert.safetensors',
      file([
        ['bert.embeddings.word_embeddings.weight', [8, 4]],
        ['bert.pooler.dense.weight', [4, 4]],
        ['cls.bias', [8]],
        ['x', [1]],
      ]),
      /^bert\.safetensors: keys of no known layout \(bert\.embeddings\.word_embeddings\.weight, bert\.pooler\.dense\.weight, cls\.bias, …: 4 tensors\); supported: .*LlamaGen, Janus and diffusers VQModel tokenizers$/,
    ],
    ['empty.safetensors', file([]), /^empty\.safetensors: no tensors; supported: /],
  ];
  for (const [name, bytes, message] of cases) {
    const named = Object.assign(new Blob([bytes as Uint8Array<ArrayBuffer>]), { name });
    try {
      await loadWeights(named);
      assert.unreachable(`${name} loaded`);
    } catch (err) {
      assert.is((err as VqganError).code, 'UNSUPPORTED', name);
      assert.match((err as Error).message, message);
      assert.not.match((err as Error).message, /\n/, `${name}: one line`);
    }
  }
  // An Emu3 tokenizer's config.json, beside any weights.
  assert.throws(
    () =>
      configFromText(
        JSON.stringify({ architectures: ['Emu3VisionVQModel'], model_type: 'Emu3VisionVQ' }),
        'config.json',
      ),
    /^config\.json: an Emu3 vision tokenizer \(temporal convolutions, spatially conditioned norms\), not a VQGAN; supported: /,
  );
});

test('Janus\'s config.json: the codebook, the levels and 384×384 images; other classes refused', () => {
  const janus = configFromText(
    JSON.stringify({ gen_vision_config: { cls: 'VQ-16', params: { image_token_size: 16384, n_embed: 8 } } }),
    'config.json',
  )!;
  assert.equal(janus.stated, ['ch_mult', 'n_embed', 'embed_dim', 'quantizer', 'resolution']);
  const vq16 = RELEASED_CONFIGS['llamagen-vq16'].config;
  assert.equal(janus.config, configFromObject({ ...vq16, resolution: 384, attn_resolutions: [24] }, 'VQ-16 at 384'));
  assert.throws(
    () => configFromText(JSON.stringify({ gen_vision_config: { cls: 'VQ-32', params: {} } }), 'config.json'),
    /config\.json: gen_vision_config\.cls "VQ-32"; supported: 'VQ-16', 'VQ-8'/,
  );
});

test('l2Normalize: each position\'s channels (axis 0) or each code (axis 1) to unit length; a zero vector stays zero', () => {
  const x = new Tensor([2, 1, 3], Float32Array.from([3, 0, 1e-30, /**/ 4, 0, 0]));
  // Position 2's norm, 1e-30, is below torch's eps: x / max(‖x‖, 1e-12).
  const tiny = Math.fround(Math.fround(1e-30) / 1e-12);
  assert.equal([...l2Normalize(referenceBackend, x, 0).data], [0.6000000238418579, 0, tiny, 0.800000011920929, 0, 0]);
  const codes = new Tensor([2, 2], Float32Array.from([0, -2, 5, 12]));
  assert.equal([...l2Normalize(referenceBackend, codes, 1).data], [0, -1, Math.fround(5 / 13), Math.fround(12 / 13)]);
  assert.throws(() => l2Normalize(referenceBackend, codes, 0), /l2Normalize: shape \[2, 2\], expected \(C, h, w\)/);
});

test.run();
