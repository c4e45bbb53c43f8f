/**
 * `vqgan convert` and `vqgan info`: any weights the loaders read become an
 * inference-only safetensors file with the configuration in its metadata. float32 keeps
 * every bit (the model computes the same bytes). The token agreement of float16 and
 * bfloat16 weights with float32's is test/system/half_weights.test.ts.
 */
import '../../src/entries/install_node.js';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Vqgan } from '../../src/api/vqgan.js';
import { memorySource } from '../../src/platform/byte_source.js';
import { Tensor } from '../../src/core/tensor.js';
import { configFromText, loadWeights } from '../../src/weights/load.js';
import { RELEASED_CONFIGS, releasedConfigOf } from '../../src/model/released_configs.js';
import { readSafetensors, writeSafetensors } from '../../src/weights/safetensors.js';
import { runCli } from '../helpers/cli.js';
import { convertTo } from '../helpers/convert.js';
import { FIXTURES, TINY_CKPT, sameBytes } from '../helpers/golden.js';

const work = mkdtempSync(join(tmpdir(), 'vqgan-convert-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

const ckpt = await loadWeights(TINY_CKPT);
const out = (name: string): string => join(work, name);

const convert = (dtype: string): Promise<string> => convertTo(TINY_CKPT, out(`tiny_${dtype}.safetensors`), dtype);

test('float32: the model tensors alone, bit for bit, with the configuration inside', async () => {
  const file = await convert('float32');
  // Alone in a folder: no config.yaml beside it, so the configuration must come from inside.
  const alone = out('alone.safetensors');
  copyFileSync(file, alone);
  const st = await readSafetensors(memorySource(new Uint8Array(readFileSync(alone)), alone));
  assert.equal(JSON.parse(st.metadata!.config!), ckpt.config);
  assert.equal([...st.dtypes], ['float32']);
  assert.equal([...st.tensors.keys()].sort(), [...ckpt.tensors.keys()].sort(), 'the same keys, no loss.* entries');
  for (const [key, t] of ckpt.tensors) {
    assert.equal(st.tensors.get(key)!.shape, t.shape, key);
    assert.ok(sameBytes(st.tensors.get(key)!.data, t.data), `${key} differs`);
  }
  const [a, b] = [await Vqgan.load(TINY_CKPT, { threads: 1 }), await Vqgan.load(alone, { threads: 1 })];
  assert.equal(b.config, a.config);
  const grid = { height: 2, width: 3, tokens: new Int32Array([0, 5, 77, 1023, 512, 9]) };
  assert.ok(sameBytes((await a.decode(grid)).data, (await b.decode(grid)).data), 'decoded outputs differ');
});

test('every family converts to one safetensors file that loads alone: the same tensors and configuration', async () => {
  const family = `${FIXTURES}family/`;
  for (const layout of readdirSync(family).filter((d) => existsSync(`${family}${d}/family.json`))) {
    const { weights } = JSON.parse(readFileSync(`${family}${layout}/family.json`, 'utf8')) as { weights: string; };
    const source = await loadWeights(`${family}${layout}/${weights}`);
    const file = out(`${layout}.safetensors`);
    const r = await runCli(['convert', `${family}${layout}/${weights}`, file]);
    assert.is(r.code, 0, `${layout}: ${r.stderr}`);
    const alone = await loadWeights(file);
    assert.equal(alone.config, source.config, `${layout}: configuration`);
    assert.equal([...alone.tensors.keys()].sort(), [...source.tensors.keys()].sort(), `${layout}: keys`);
    for (const [key, t] of source.tensors) {
      assert.ok(sameBytes(alone.tensors.get(key)!.data, t.data), `${layout}: ${key}`);
    }
  }
});

test('info: format, configuration, parameters, dtype, size', async () => {
  let r = await runCli(['info', TINY_CKPT]);
  assert.is(r.code, 0, r.stderr);
  for (
    const line of [
      /format +PyTorch checkpoint/,
      /parameters +4,573,923 in 343 tensors/,
      /stored as +float32/,
      /ch 32, ch_mult \[1, 1, 2, 2, 4\]/,
      /n_embed 1024/,
      /size +18\.4 MB/,
    ]
  ) {
    assert.match(r.stdout, line);
  }
  r = await runCli(['info', await convert('float16')]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /format +safetensors/);
  assert.match(r.stdout, /stored as +float16/);
  assert.match(
    r.stdout,
    /values from +.*tiny_float16\.safetensors \(embedded\) \(agreeing with the weights' shapes\): ch, ch_mult,/,
  );
  // The layout, the family and where each value came from: LlamaGen's .pt has no configuration.
  r = await runCli(['info', `${FIXTURES}family/llamagen-vq16/vq_ds16_c2i.pt`]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /layout +LlamaGen's names/);
  assert.match(r.stdout, /family +none of the released configurations/);
  assert.match(
    r.stdout,
    /values from +the weights' shapes: ch, ch_mult, num_res_blocks, attn_resolutions, z_channels, in_channels, out_ch, embed_dim, n_embed, attn_type\n +the layout \(llamagen's names\): quantizer\n +taming's default \(it places attention\): resolution\n/,
  );
});

test('the released configurations: each is told apart from the others, whatever its resolution', () => {
  for (const [name, { config }] of Object.entries(RELEASED_CONFIGS)) {
    assert.is(releasedConfigOf(config), name);
    assert.is(releasedConfigOf({ ...config, n_embed: config.n_embed + 1 }), undefined, `${name} with another codebook`);
  }
  const janus = configFromText(JSON.stringify({ gen_vision_config: { cls: 'VQ-16', params: {} } }), 'config.json')!;
  assert.is(releasedConfigOf(janus.config), 'llamagen-vq16', 'VQ-16 at 384');
});

test('convert: bad arguments and weights that do not fit are refused, no file written', async () => {
  const target = out('refused.safetensors');
  const cases: [string[], RegExp][] = [
    [['convert', TINY_CKPT, target, '--dtype', 'float8'], /--dtype float8: use float32, float16 or bfloat16/],
    [['convert', TINY_CKPT, out('x.ckpt')], /--out|must end in \.safetensors/],
    [['convert', out('missing.ckpt'), target], /missing\.ckpt: cannot read \(no such file\)/],
    [['convert', TINY_CKPT], /takes|needs/],
  ];
  // Weights with a tensor the model lacks.
  const extra = new Map(ckpt.tensors);
  extra.set('encoder.extra.weight', new Tensor([3], Float32Array.from([1, 2, 3])));
  const odd = out('odd.safetensors');
  writeFileSync(odd, writeSafetensors(extra, { config: JSON.stringify(ckpt.config) }));
  cases.push([['convert', odd, target], /encoder\.extra\.weight \[3\] is not part of this model/]);
  for (const [args, message] of cases) {
    const r = await runCli(args);
    assert.is(r.code, 1, `${args.join(' ')}: exit ${r.code}, ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
    assert.not.ok(existsSync(target), `${args.join(' ')} left ${target}`);
  }
});

test.run();
