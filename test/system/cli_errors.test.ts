/**
 * Bad input through the CLI: a non-zero exit, one line naming the problem, no stack
 * trace, and no output file (not even a temporary one) left behind.
 */
import '../../src/entries/install_node.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encode as encodeJpeg } from 'jpeg-js';
import { decodeImage } from '../../src/image/decode.js';
import { writeNpy } from '../../src/io/npy.js';
import { runCli } from '../helpers/cli.js';
import { GOLDEN, TINY_CKPT } from '../helpers/golden.js';
import { maliciousCheckpoint } from '../helpers/make_checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'vqgan-errors-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string): string => join(dir, name);
const PNG = `${GOLDEN}mountain_256x256.png`;

/** Runs the CLI in an empty folder of outputs and checks the failure. */
async function fails(args: string[], pattern: RegExp, code = 1): Promise<void> {
  const out = mkdtempSync(join(dir, 'out-'));
  const r = await runCli(args.map((a) => a.replace('OUT/', `${out}/`)));
  assert.is(r.code, code, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, pattern);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(readdirSync(out), [], 'no output file left behind');
}

writeFileSync(at('truncated.ckpt'), readFileSync(TINY_CKPT).subarray(0, 4_000_000));
writeFileSync(at('evil.ckpt'), maliciousCheckpoint('os', 'system', `touch ${at('pwned')}`));
writeFileSync(at('evil_eval.ckpt'), maliciousCheckpoint('builtins', 'eval', '1+1'));
writeFileSync(at('out_of_range.json'), JSON.stringify({ height: 2, width: 2, tokens: [1, 2, 3, 1024] }));
writeFileSync(at('negative.json'), JSON.stringify({ height: 1, width: 2, tokens: [0, -5] }));
writeFileSync(at('short.json'), JSON.stringify({ height: 2, width: 2, tokens: [1, 2, 3] }));
writeFileSync(at('rank1.npy'), writeNpy('int32', [4], new Int32Array(4)));
writeFileSync(at('rank3.npy'), writeNpy('int32', [1, 2, 2], new Int32Array(4)));
writeFileSync(at('not16.npy'), writeNpy('float32', [1, 3, 20, 24], new Float32Array(3 * 20 * 24)));
writeFileSync(at('channels.npy'), writeNpy('float32', [1, 4, 16, 16], new Float32Array(4 * 256)));
writeFileSync(at('int.npy'), writeNpy('int32', [1, 3, 16, 16], new Int32Array(3 * 256)));
const png = decodeImage(new Uint8Array(readFileSync(PNG)), PNG);
const rgba = new Uint8Array(png.width * png.height * 4).map((
  _,
  i,
) => (i % 4 === 3 ? 255 : png.data[(i >> 2) * 3 + (i % 4)]!));
const jpeg = encodeJpeg({ width: png.width, height: png.height, data: rgba }, 90).data;
writeFileSync(at('truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
writeFileSync(at('garbage.png'), Buffer.from('this is not an image at all'));

test('a missing input file is named', () =>
  fails(
    ['encode', at('nope.png'), '--weights', TINY_CKPT, '--out', 'OUT/t.json'],
    /nope\.png: cannot read \(no such file\)/,
  ));

test('a missing weights file is named', () =>
  fails(
    ['encode', PNG, '--weights', at('nope.ckpt'), '--out', 'OUT/t.json'],
    /nope\.ckpt: cannot read \(no such file\)/,
  ));

test('a PNG passed as weights', () =>
  fails(
    ['encode', PNG, '--weights', PNG, '--out', 'OUT/t.json'],
    /mountain_256x256\.png: not a weights file \(it is a PNG image\)/,
  ));

test('a truncated checkpoint zip', () =>
  fails(
    ['decode', `${GOLDEN}random_tokens_8x24.tokens.npy`, '--weights', at('truncated.ckpt'), '--out', 'OUT/x.png'],
    /truncated\.ckpt: .*(zip|truncated)/i,
  ));

test('a pickle asking for os.system is refused and nothing runs', async () => {
  await fails(
    ['decode', `${GOLDEN}random_tokens_8x24.tokens.npy`, '--weights', at('evil.ckpt'), '--out', 'OUT/x.png'],
    /evil\.ckpt: .*os\.system.*refused/,
  );
  assert.not.ok(readdirSync(dir).includes('pwned'), 'the command in the pickle ran');
});

test('a pickle asking for builtins.eval is refused', () =>
  fails(
    ['decode', `${GOLDEN}random_tokens_8x24.tokens.npy`, '--weights', at('evil_eval.ckpt'), '--out', 'OUT/x.png'],
    /builtins\.eval.*refused/,
  ));

test('tokens out of [0, n_embed)', async () => {
  await fails(
    ['decode', at('out_of_range.json'), '--weights', TINY_CKPT, '--out', 'OUT/x.png'],
    /out_of_range\.json: token 1024 at row 1, column 1 is outside \[0, 1024\)/,
  );
  await fails(
    ['decode', at('negative.json'), '--weights', TINY_CKPT, '--out', 'OUT/x.png'],
    /token -5 at row 0, column 1/,
  );
});

test('a token list that does not fill its grid', () =>
  fails(
    ['decode', at('short.json'), '--weights', TINY_CKPT, '--out', 'OUT/x.png'],
    /short\.json: 3 tokens do not fill a 2×2 grid/,
  ));

test('a token grid of the wrong rank', async () => {
  await fails(
    ['decode', at('rank1.npy'), '--weights', TINY_CKPT, '--out', 'OUT/x.png'],
    /rank1\.npy: token array has shape \[4\]; expected a 2-D grid/,
  );
  await fails(
    ['decode', at('rank3.npy'), '--weights', TINY_CKPT, '--out', 'OUT/x.png'],
    /rank3\.npy: token array has shape \[1, 2, 2\]/,
  );
});

test('a .npy input whose size is not a multiple of 16', () =>
  fails(
    ['encode', at('not16.npy'), '--weights', TINY_CKPT, '--out', 'OUT/t.json', '--latent', 'OUT/l.npy'],
    /not16\.npy: .*\[1, 3, 20, 24\].*multiples of 16/,
  ));

test('a .npy input with 4 channels', () =>
  fails(
    ['encode', at('channels.npy'), '--weights', TINY_CKPT, '--out', 'OUT/t.json'],
    /channels\.npy: .*\[1, 4, 16, 16\]/,
  ));

test('a .npy input that is not float32', () =>
  fails(
    ['encode', at('int.npy'), '--weights', TINY_CKPT, '--out', 'OUT/t.json'],
    /int\.npy: input array has dtype int32; expected float32/,
  ));

test('a truncated JPEG', () =>
  fails(
    ['encode', at('truncated.jpg'), '--weights', TINY_CKPT, '--out', 'OUT/t.json'],
    /truncated\.jpg: truncated JPEG/,
  ));

test('a file that is no image', () =>
  fails(
    ['encode', at('garbage.png'), '--weights', TINY_CKPT, '--out', 'OUT/t.json'],
    /garbage\.png: not a PNG or JPEG image/,
  ));

test('the pixel limit: images, model inputs and decoded grids over it are refused', async () => {
  await fails(
    ['encode', PNG, '--weights', TINY_CKPT, '--max-pixels', '60000', '--out', 'OUT/t.json'],
    /mountain_256x256\.png: 256×256 is 65536 pixels, more than the limit of 60000/,
  );
  await fails([
    'encode',
    `${GOLDEN}mountain_256x256.input.npy`,
    '--weights',
    TINY_CKPT,
    '--max-pixels',
    '60000',
    '--out',
    'OUT/t.json',
  ], /input tensor \[1, 3, 256, 256\]: .*more than the limit of 60000/);
  await fails(
    ['encode', PNG, '--weights', TINY_CKPT, '--size', '512', '--max-pixels', '100000', '--out', 'OUT/t.json'],
    /the model input size: 512×512/,
  );
  await fails([
    'decode',
    `${GOLDEN}random_tokens_8x24.tokens.npy`,
    '--weights',
    TINY_CKPT,
    '--max-pixels',
    '40000',
    '--out',
    'OUT/x.png',
  ], /decoding token grid 8×24: 384×128 is 49152 pixels/);
  await fails(
    ['encode', PNG, '--weights', TINY_CKPT, '--max-pixels', 'lots'],
    /--max-pixels lots: expected a positive whole number/,
  );
});

test('bad options are reported before the weights are fetched', async () => {
  // A hub id on an endpoint nothing answers: fetched first, the error would be the download's.
  const env = { HF_ENDPOINT: 'http://127.0.0.1:9', VQGAN_CACHE: join(dir, 'empty-cache') };
  const cases: [string[], RegExp][] = [
    [['encode', PNG, '--mode', 'fastest'], /--mode fastest: use exact or fast/],
    [['encode', PNG, '--backend', 'cuda'], /--backend cuda: use wasm or reference/],
    [['bench', '--mode', 'fastest'], /--mode fastest: use exact or fast/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runCli([...args, '--weights', 'nobody/nothing'], { env });
    assert.is(r.code, 1, `${args.join(' ')}: exit code (stderr: ${r.stderr})`);
    assert.match(r.stderr, pattern);
  }
});

test('--debug adds the stack trace', async () => {
  const r = await runCli(['encode', at('garbage.png'), '--weights', TINY_CKPT, '--debug']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /garbage\.png: not a PNG or JPEG image\n.*VqganError[^\n]*\n\s+at /);
});

test('bad arguments', async () => {
  await fails(
    ['encode', PNG, '--weights', TINY_CKPT, '--size', '250', '--out', 'OUT/t.json'],
    /size 250×250: height and width must be positive multiples of 16/,
  );
  await fails(['encode', PNG, '--weights', TINY_CKPT, '--size', 'big'], /--size big: expected N or HxW/);
  await fails(['encode', PNG, '--weights', TINY_CKPT, '--preset', 'sepia'], /unknown preset 'sepia'/);
  await fails(['encode', PNG, '--weights', TINY_CKPT, '--backend', 'cuda'], /--backend cuda: use wasm or reference/);
  await fails(['encode', PNG, '--weights', TINY_CKPT, '--mode', 'fastest'], /--mode fastest: use exact or fast/);
  await fails(['convert', TINY_CKPT, 'OUT/x.safetensors', '--mode', 'fast'], /vqgan convert has no option --mode/);
  await fails(
    ['encode', PNG, '--weights', TINY_CKPT, '--out', 'OUT/t.txt'],
    /--out .*t\.txt: the file name must end in \.json or \.npy/,
  );
  await fails(
    ['decode', `${GOLDEN}random_tokens_8x24.tokens.npy`, '--weights', TINY_CKPT],
    /vqgan decode needs --out FILE/,
  );
  // (No --weights now means the default hub model: test/unit/hub.test.ts.)
  await fails(['encode', PNG, '--weights', TINY_CKPT, '--raw', 'OUT/r.npy'], /vqgan encode has no option --raw/);
  await fails(['encode', PNG, '--weights', TINY_CKPT, '--bogus'], /Unknown option '--bogus'/);
  await fails(['frobnicate', PNG], /unknown command 'frobnicate'/);
});

test('--help for each command', async () => {
  for (const command of ['encode', 'decode', 'reconstruct']) {
    const r = await runCli([command, '--help']);
    assert.is(r.code, 0);
    assert.match(r.stdout, new RegExp(`Usage: vqgan ${command}`));
  }
});

test.run();
