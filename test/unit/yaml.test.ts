import '../../src/entries/install_node.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VqganError } from '../../src/core/errors.js';
import { parseYamlSubset } from '../../src/weights/yaml.js';

// boris/vqgan_f16_16384's config.yaml, as published.
const F16_CONFIG = `model:
  base_learning_rate: 4.5e-06
  target: taming.models.vqgan.VQModel
  params:
    embed_dim: 256
    n_embed: 16384
    monitor: val/rec_loss
    ddconfig:
      double_z: false
      z_channels: 256
      resolution: 256
      in_channels: 3
      out_ch: 3
      ch: 128
      ch_mult:
      - 1
      - 1
      - 2
      - 2
      - 4
      num_res_blocks: 2
      attn_resolutions:
      - 16
      dropout: 0.0
    lossconfig:
      target: taming.modules.losses.vqperceptual.VQLPIPSWithDiscriminator
      params:
        disc_conditional: false
        disc_in_channels: 3
        disc_start: 100001
        disc_weight: 0.8
        codebook_weight: 1.0
`;

test('the f16_16384 config.yaml', () => {
  assert.equal(parseYamlSubset(F16_CONFIG, 'config.yaml'), {
    model: {
      base_learning_rate: 4.5e-6,
      target: 'taming.models.vqgan.VQModel',
      params: {
        embed_dim: 256,
        n_embed: 16384,
        monitor: 'val/rec_loss',
        ddconfig: {
          double_z: false,
          z_channels: 256,
          resolution: 256,
          in_channels: 3,
          out_ch: 3,
          ch: 128,
          ch_mult: [1, 1, 2, 2, 4],
          num_res_blocks: 2,
          attn_resolutions: [16],
          dropout: 0,
        },
        lossconfig: {
          target: 'taming.modules.losses.vqperceptual.VQLPIPSWithDiscriminator',
          params: {
            disc_conditional: false,
            disc_in_channels: 3,
            disc_start: 100001,
            disc_weight: 0.8,
            codebook_weight: 1,
          },
        },
      },
    },
  });
});

test('flow lists and maps, indented lists, comments, quoting, scalars', () => {
  const text = `# taming-style config
---
model:
  params:   # trailing comment
    ch_mult: [1,1,2,2,4]
    attn_resolutions: [16]
    empty: []
    nested: [[1, 2], [three, 'four, five']]
    flow: {a: 1, b: [x, y]}
    lr: 1e-6
    small: 1.0e-06
    neg: -3
    plus: +.5
    big: .inf
    nan: .nan
    yes: yes
    off: off
    none: null
    tilde: ~
    missing:
    single: 'it''s # not a comment'
    double: "tab\\tand \\"quote\\" \\u00e9"
    hash: a#b
    colon: a:b
    url: http://example.com/x
    "quoted key": 1
  list:
    - 1
    - name: first
      size: 2
    - - inner
      - list
    -
      deep: true
    - [a, b]
`;
  const parsed = parseYamlSubset(text, 'x.yaml') as { model: { params: Record<string, unknown>; list: unknown[]; }; };
  assert.equal(parsed.model.params, {
    ch_mult: [1, 1, 2, 2, 4],
    attn_resolutions: [16],
    empty: [],
    nested: [[1, 2], ['three', 'four, five']],
    flow: { a: 1, b: ['x', 'y'] },
    lr: 1e-6,
    small: 1e-6,
    neg: -3,
    plus: 0.5,
    big: Infinity,
    nan: NaN,
    yes: true,
    off: false,
    none: null,
    tilde: null,
    missing: null,
    single: 'it\'s # not a comment',
    double: 'tab\tand "quote" \u00e9',
    hash: 'a#b',
    colon: 'a:b',
    url: 'http://example.com/x',
    'quoted key': 1,
  });
  assert.equal(parsed.model.list, [1, { name: 'first', size: 2 }, ['inner', 'list'], { deep: true }, ['a', 'b']]);
  assert.equal(parseYamlSubset('', 'empty.yaml'), null);
  assert.equal(parseYamlSubset('- a\n- b\n', 'list.yaml'), ['a', 'b']);
  assert.equal(Object.keys(parseYamlSubset('__proto__: 1\n', 'proto.yaml') as object), ['__proto__']);
});

test('what the subset cannot read is BAD_FORMAT naming the file and line', () => {
  const cases: [string, number, string][] = [
    ['a: 1\n  b: 2\n', 2, 'indentation'],
    ['a:\n    b: 1\n  c: 2\n', 3, 'indentation'],
    ['a: 1\na: 2\n', 2, 'duplicate key a'],
    ['a: 1\nb:\n  c: 2\na: 3\n', 4, 'duplicate key a'],
    ['a: {x: 1, x: 2}\n', 1, 'duplicate key x'],
    ['a: &anchor 1\n', 1, 'anchors'],
    ['a: *ref\n', 1, 'aliases'],
    ['a: !!str 1\n', 1, 'tags'],
    ['a: |\n  text\n', 1, 'block scalars'],
    ['a: [1, 2\n', 1, 'expected \',\''],
    ['a: "open\n', 1, 'unterminated'],
    ['a: "x" y\n', 1, 'unexpected text'],
    ['a: 1\njust text\n', 2, 'expected \'key: value\''],
    ['a:\n\t- 1\n', 2, 'tab'],
    ['a: 1\n- b\n', 2, 'list item'],
  ];
  for (const [text, line, why] of cases) {
    assert.throws(
      () => parseYamlSubset(text, 'bad.yaml'),
      (err: unknown) =>
        err instanceof VqganError && err.code === 'BAD_FORMAT' && err.message.startsWith(`bad.yaml: line ${line}:`)
        && err.message.includes(why),
      `${JSON.stringify(text)} → line ${line}, ${why}`,
    );
  }
});

test.run();
