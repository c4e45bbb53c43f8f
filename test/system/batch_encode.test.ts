/**
 * `vqgan encode` over several files and folders into JSON Lines: the order, the same
 * tokens as one-file runs, resuming after a kill with the same bytes as an uninterrupted
 * run, the progress display, and the errors (a user's file is never written over).
 */
import '../../src/entries/install_node.js';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encode as encodeJpeg } from 'jpeg-js';
import { decodeImage } from '../../src/image/decode.js';
import { ProgressBar } from '../../src/cli/progress_bar.js';
import { runCli, startCli, type CliResult } from '../helpers/cli.js';
import { GOLDEN, TINY_CKPT } from '../helpers/golden.js';

const dir = mkdtempSync(join(tmpdir(), 'vqgan-batch-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string): string => join(dir, name);

// A folder whose names sort differently by code unit ('B' < 'a') than by locale, with a
// file and a subfolder (named like an image) that must be passed over.
const photos = at('photos');
mkdirSync(join(photos, 'sub.png'), { recursive: true });
copyFileSync(`${GOLDEN}mountain_256x256.png`, join(photos, 'a_mountain.png'));
copyFileSync(`${GOLDEN}stormy_256x256.png`, join(photos, 'B_stormy.PNG'));
copyFileSync(`${GOLDEN}sunset_and_ocean_256x384.png`, join(photos, 'c_sunset.png'));
copyFileSync(`${GOLDEN}stormy_256x256.png`, join(photos, 'sub.png', 'inner.png'));
writeFileSync(join(photos, 'notes.txt'), 'not an image\n');
const png = decodeImage(new Uint8Array(readFileSync(`${GOLDEN}mountain_256x256.png`)), 'mountain');
const rgba = new Uint8Array(png.width * png.height * 4).map((
  _,
  i,
) => (i % 4 === 3 ? 255 : png.data[(i >> 2) * 3 + (i % 4)]!));
writeFileSync(
  join(photos, 'd_mountain.jpeg'),
  encodeJpeg({ width: png.width, height: png.height, data: rgba }, 90).data,
);
const EXTRA = `${GOLDEN}lake_in_the_mountains_512x512.png`;

/** The folder is given with a trailing slash: its files must still read `photos/name`. */
const INPUTS = [`${photos}/`, EXTRA];
const ORDER = ['B_stormy.PNG', 'a_mountain.png', 'c_sunset.png', 'd_mountain.jpeg'].map((n) => `${photos}/${n}`).concat(
  EXTRA,
);
const encodeArgs = (
  inputs: readonly string[],
  out: string,
  ...more: string[]
): string[] => ['encode', ...inputs, '--weights', TINY_CKPT, '--threads', '1', '--out', out, ...more];

function expectOk(step: string, r: CliResult): void {
  assert.is(r.code, 0, `${step}: exit code ${r.code} (stderr: ${r.stderr})`);
}

/** Where two files' bytes first differ, for a failure message. */
function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  const context = (b: Uint8Array): string =>
    JSON.stringify(Buffer.from(b.subarray(Math.max(0, i - 20), i + 20)).toString('latin1'));
  assert.ok(
    i === actual.length && i === expected.length,
    `${what}: ${actual.length} bytes vs ${expected.length} expected, first difference at byte ${i}: ${
      context(actual)
    } vs ${context(expected)}`,
  );
}

const completeLines = (text: string): string[] => text.split('\n').slice(0, -1);

/** The uninterrupted run's file, made by the first test and compared against by the others. */
let full = new Uint8Array();

test('a folder and a file: one line per image in order, the tokens of one-file runs', async () => {
  const out = at('full.jsonl');
  const r = await runCli(encodeArgs(INPUTS, out));
  expectOk('batch', r);
  full = new Uint8Array(readFileSync(out));
  const lines = completeLines(readFileSync(out, 'utf8'));
  const records = lines.map((l) => JSON.parse(l) as { file: string; height: number; width: number; tokens: number[]; });
  assert.equal(records.map((x) => x.file), ORDER, 'files and their order');
  assert.ok(full.at(-1) === 0x0a, 'the file ends with a newline');
  ORDER.forEach((file, i) =>
    assert.ok(
      r.stderr.includes(`encoded ${file} (${i + 1}/${ORDER.length})\n`),
      `progress line ${i + 1} missing from: ${r.stderr}`,
    )
  );
  assert.match(r.stderr, `wrote ${out} (${ORDER.length} images)\n`);

  for (const [i, file] of ORDER.entries()) {
    const single = at(`single-${i}.json`);
    expectOk(`encode ${file}`, await runCli(encodeArgs([file], single)));
    const expected = JSON.parse(readFileSync(single, 'utf8')) as { height: number; width: number; tokens: number[]; };
    const got = records[i]!;
    assert.equal([got.height, got.width], [expected.height, expected.width], `line ${i + 1} (${file}): grid`);
    const differ = expected.tokens.flatMap((t, k) => (got.tokens[k] === t ? [] : [k]));
    const first = differ[0];
    assert.ok(
      got.tokens.length === expected.tokens.length && first === undefined,
      `line ${i + 1} (${file}): ${got.tokens.length} tokens vs ${expected.tokens.length}; ${differ.length} differ`
        + (first === undefined ? '' : `, first at index ${first}: ${got.tokens[first]} vs ${expected.tokens[first]}`),
    );
    // The record is the one-file JSON with "file" put first: the same writer made both.
    assert.is(lines[i], `{"file":${JSON.stringify(file)},${readFileSync(single, 'utf8').slice(1, -1)}`);
  }
});

test('one file into .jsonl gives its one line', async () => {
  const out = at('one.jsonl');
  expectOk('encode', await runCli(encodeArgs([ORDER[1]!], out)));
  assert.is(readFileSync(out, 'utf8'), `${completeLines(Buffer.from(full).toString('utf8'))[1]}\n`);
});

test('killed part-way and run again: the same bytes as an uninterrupted run', async () => {
  const out = at('killed.jsonl');
  const { child, result } = startCli(encodeArgs(INPUTS, out));
  let exited = false;
  void result.then(() => (exited = true));
  while (!exited && !(existsSync(out) && readFileSync(out).includes(0x0a))) await sleep(5);
  child.kill('SIGKILL');
  const killed = await result;
  assert.is(
    killed.signal,
    'SIGKILL',
    `the run ended by itself before it was killed (exit ${killed.code}): make the batch longer`,
  );
  const done = completeLines(readFileSync(out, 'latin1')).length;
  assert.ok(done >= 1 && done < ORDER.length, `${done} complete lines when killed; expected 1 to ${ORDER.length - 1}`);

  const resumed = await runCli(encodeArgs(INPUTS, out));
  expectOk('resume', resumed);
  assert.match(
    resumed.stderr,
    `wrote ${out} (${ORDER.length - done} image${
      ORDER.length - done === 1 ? '' : 's'
    }, ${done} skipped as already done)`,
  );
  assert.not.match(resumed.stderr, `encoded ${ORDER[0]} `, 'the first image was encoded again');
  sameBytes(new Uint8Array(readFileSync(out)), full, 'resumed after kill');
});

test('a half-written last line is cut off and its image encoded again', async () => {
  const out = at('half.jsonl');
  const firstEnd = full.indexOf(0x0a) + 1;
  const secondEnd = full.indexOf(0x0a, firstEnd) + 1;
  writeFileSync(out, full.subarray(0, firstEnd + Math.floor((secondEnd - firstEnd) / 2)));
  const resumed = await runCli(encodeArgs(INPUTS, out));
  expectOk('resume', resumed);
  assert.match(resumed.stderr, `wrote ${out} (${ORDER.length - 1} images, 1 skipped as already done)`);
  assert.match(resumed.stderr, `encoded ${ORDER[1]} (1/${ORDER.length - 1})`);
  sameBytes(new Uint8Array(readFileSync(out)), full, 'resumed after a half line');

  const again = await runCli(encodeArgs(INPUTS, out));
  expectOk('nothing left', again);
  assert.match(again.stderr, `wrote ${out} (0 images, ${ORDER.length} skipped as already done)`);
  sameBytes(new Uint8Array(readFileSync(out)), full, 'run again when complete');
});

/** Checks a failed run: exit 1, one error line naming the problem, no stack trace. */
function failed(r: CliResult, pattern: RegExp): void {
  assert.is(r.code, 1, `exit code (stderr: ${r.stderr})`);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('vqgan: '));
  assert.is(errors.length, 1, `one error line in: ${r.stderr}`);
  assert.match(errors[0]!, pattern);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
}

test('bad arguments for a batch are refused before anything is written', async () => {
  const empty = at('empty');
  mkdirSync(join(empty, 'sub'), { recursive: true });
  writeFileSync(join(empty, 'readme.md'), 'no images here\n');
  copyFileSync(ORDER[0]!, join(empty, 'sub', 'deeper.png'));
  const cases: [string[], RegExp][] = [
    [encodeArgs([empty], at('e.jsonl')), /empty: no \.png, \.jpg or \.jpeg images in this folder$/],
    [
      encodeArgs(INPUTS, at('e.jsonl'), '--latent', at('latent.npy')),
      /--latent takes one image: it cannot go with several inputs/,
    ],
    [encodeArgs([photos], at('e.jsonl'), '--input-out', at('input.png')), /--input-out takes one image/],
    [
      encodeArgs([ORDER[0]!], at('e.jsonl'), '--latent', at('latent.npy')),
      /--latent takes one image: .*a \.jsonl output/,
    ],
    [encodeArgs(INPUTS, at('e.json')), /--out .*e\.json: several inputs or a folder go into a \.jsonl file/],
    [encodeArgs([photos], at('e.npy')), /--out .*e\.npy: several inputs or a folder go into a \.jsonl file/],
    [
      ['encode', ...INPUTS, '--weights', TINY_CKPT],
      /vqgan encode with several inputs or a folder needs --out FILE\.jsonl/,
    ],
    [
      ['encode', '--weights', TINY_CKPT, '--out', at('e.jsonl')],
      /vqgan encode takes one or more input files or folders, got 0/,
    ],
  ];
  for (const [args, pattern] of cases) {
    failed(await runCli(args), pattern);
    for (const name of ['e.jsonl', 'e.json', 'e.npy', 'latent.npy', 'input.png']) {
      assert.not.ok(existsSync(at(name)), `${args.join(' ')} left ${name}`);
    }
  }
});

test('an output line that is not ours stops the run and the file is left as it was', async () => {
  const lines = completeLines(Buffer.from(full).toString('utf8'));
  const cases: [string, RegExp][] = [
    [`${lines[0]}\n{"file": "x.png", "height": 16\n${lines[2]}\n`, /bad-\d\.jsonl line 2: not a JSON record/],
    [
      `${lines[0]}\n${lines[1]}\n{"file":"x.png","height":16,"width":16}\n${lines[3]}\n`,
      /bad-\d\.jsonl line 3: expected \{"height"/,
    ],
    [`${lines[0]}\n{"height":1,"width":1,"tokens":[5]}\n`, /bad-\d\.jsonl line 2: expected \{"file"/],
    [`${lines[0]}\n\n${lines[1]}\n`, /bad-\d\.jsonl line 2: not a JSON record/],
    [
      `${lines[0]}\nsomething else`,
      /bad-\d\.jsonl line 2: has no newline and is not the start of a \{"file": …\} record/,
    ],
  ];
  for (const [i, [text, pattern]] of cases.entries()) {
    const out = at(`bad-${i}.jsonl`);
    writeFileSync(out, text);
    failed(await runCli(encodeArgs(INPUTS, out)), pattern);
    sameBytes(new Uint8Array(readFileSync(out)), Buffer.from(text), `${out} after the refused run`);
  }
});

test('a missing input in the middle: exit 1, the lines before it kept, and a rerun resumes', async () => {
  const out = at('missing.jsonl');
  const missing = join(photos, 'zz_missing.png');
  const inputs = [ORDER[0]!, ORDER[1]!, missing, ORDER[2]!];
  const r = await runCli(encodeArgs(inputs, out));
  failed(r, /zz_missing\.png: cannot read \(no such file\)$/);
  const lines = completeLines(Buffer.from(full).toString('utf8'));
  assert.is(readFileSync(out, 'utf8'), `${lines[0]}\n${lines[1]}\n`, 'the two lines before the missing file');

  copyFileSync(`${GOLDEN}mountain_256x256.png`, missing);
  try {
    const resumed = await runCli(encodeArgs(inputs, out));
    expectOk('rerun', resumed);
    assert.match(resumed.stderr, `wrote ${out} (2 images, 2 skipped as already done)`);
    const records = completeLines(readFileSync(out, 'utf8')).map((l) => JSON.parse(l) as { file: string; });
    assert.equal(records.map((x) => x.file), inputs);
  } finally {
    rmSync(missing);
  }
});

test('progress: a bar redrawn in place on a terminal, a line per image elsewhere', () => {
  const writes: string[] = [];
  const times = [0, 2000, 5000, 6000];
  const bar = new ProgressBar(3, 'image', { isTTY: true, write: (t) => void writes.push(t) }, () => times.shift()!);
  bar.step('encoded a.png');
  bar.step('encoded b.png');
  bar.step('encoded c.png');
  bar.end();
  assert.equal(writes, [
    '\r[........................] 0/3 images\x1b[K',
    '\r[########................] 1/3 images  2.00 s/image  0:04 left\x1b[K',
    '\r[################........] 2/3 images  2.50 s/image  0:03 left\x1b[K',
    '\r[########################] 3/3 images  2.00 s/image  0:00 left\x1b[K',
    '\n',
  ]);

  const long: string[] = [];
  const slowTimes = [0, 3600];
  const slow = new ProgressBar(
    2000,
    'image',
    { isTTY: true, write: (t) => void long.push(t) },
    () => slowTimes.shift()!,
  );
  slow.step('encoded a.png');
  assert.match(long[1]!, /1\/2000 images {2}3\.60 s\/image {2}1:59:56 left/);

  const lines: string[] = [];
  const plain = new ProgressBar(2, 'image', { isTTY: false, write: (t) => void lines.push(t) });
  plain.step('encoded a.png');
  plain.step('encoded b.png');
  plain.end();
  assert.equal(lines, ['encoded a.png (1/2)\n', 'encoded b.png (2/2)\n']);

  const none: string[] = [];
  new ProgressBar(0, 'image', { isTTY: true, write: (t) => void none.push(t) }).end();
  assert.equal(none, [], 'nothing to do draws nothing');
});

test.run();
