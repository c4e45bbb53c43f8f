/**
 * src/image/png/ against Pillow 9.4 (test/fixtures/png/, made by make_png_golden.py: every
 * colour type and bit depth, tRNS, Adam7, odd sizes, all five filters, split IDATs), its
 * structural checks, and its bound on the inflated data (decompression bombs).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zlibSync } from 'fflate';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeImage } from '../../src/image/decode.js';
import { expectError } from '../helpers/errors.js';
import { FIXTURES } from '../helpers/golden.js';
import { bombPng, ihdr, pngFile } from '../helpers/png_bytes.js';

const PNG = `${FIXTURES}png/`;
const MB = 2 ** 20;

interface Case {
  file: string;
  pillow_mode: string;
  width: number;
  height: number;
  rgb_base64: string;
}

const { cases } = JSON.parse(readFileSync(`${PNG}cases.json`, 'utf8')) as { cases: Case[]; };

test('every fixture PNG decodes to Pillow\'s convert(\'RGB\'), byte for byte', () => {
  assert.ok(cases.length >= 70, `${cases.length} cases`);
  for (const c of cases) {
    const img = decodeImage(new Uint8Array(readFileSync(`${PNG}${c.file}`)), c.file);
    const expected = new Uint8Array(Buffer.from(c.rgb_base64, 'base64'));
    assert.equal([img.width, img.height], [c.width, c.height], `${c.file}: size`);
    const at = expected.findIndex((v, i) => img.data[i] !== v);
    if (at >= 0) {
      const p = Math.floor(at / 3);
      const px = (d: Uint8Array) => `[${[...d.subarray(p * 3, p * 3 + 3)]}]`;
      assert.unreachable(
        `${c.file} (Pillow mode ${c.pillow_mode}): pixel (${p % c.width}, ${Math.floor(p / c.width)}) is ${
          px(img.data)
        }, Pillow's ${px(expected)}`,
      );
    }
  }
});

/** An 8-bit RGB PNG of width×height whose zlib stream is `z`. */
const rgbPng = (width: number, height: number, z: Uint8Array) =>
  pngFile([['IHDR', ihdr(width, height, 8, 2)], ['IDAT', z], ['IEND', new Uint8Array(0)]]);

/** Rows of 1 filter byte (0) + 3·width bytes for an RGB image. */
const rows = (width: number, height: number, extra = 0) => new Uint8Array(height * (1 + 3 * width) + extra);

test('image data a byte short or a byte long is BAD_FORMAT naming the file and the sizes', async () => {
  await expectError(
    () => decodeImage(rgbPng(3, 2, zlibSync(rows(3, 2, -1))), 'short.png'),
    'BAD_FORMAT',
    'short.png: truncated PNG image data: 19 bytes inflated, but its header implies 20',
  );
  await expectError(
    () => decodeImage(rgbPng(3, 2, zlibSync(rows(3, 2, 1))), 'long.png'),
    'BAD_FORMAT',
    'long.png: PNG image data inflates past the 20 bytes its header implies (3×2, colour type 2, 8-bit)',
  );
  assert.is(decodeImage(rgbPng(3, 2, zlibSync(rows(3, 2))), 'exact.png').data.length, 18);
});

test('a header far larger than its image data could inflate to is refused before the buffer is made', async () => {
  await expectError(
    () => decodeImage(rgbPng(4096, 4096, zlibSync(rows(1, 1))), 'claims.png'),
    'BAD_FORMAT',
    `claims.png: truncated PNG image data: ${zlibSync(rows(1, 1)).length} bytes of IDAT, but its header implies ${
      4096 * (1 + 4096 * 3)
    } bytes`,
  );
});

test('IHDR fields outside the specification are BAD_FORMAT', async () => {
  const cases: [Uint8Array, string][] = [
    [ihdr(2, 2, 16, 3), 'bit depth 16 with colour type 3 (allowed: 1, 2, 4, 8)'],
    [ihdr(2, 2, 3, 0), 'bit depth 3 with colour type 0'],
    [ihdr(2, 2, 4, 2), 'bit depth 4 with colour type 2 (allowed: 8, 16)'],
    [ihdr(2, 2, 8, 5), 'colour type 5'],
    [ihdr(2, 2, 8, 2, 2), 'interlace method 2'],
    [ihdr(0, 2, 8, 2), 'size 0×2'],
    [Uint8Array.from([...ihdr(2, 2, 8, 2).subarray(0, 10), 1, 0, 0]), 'compression method 1'],
    [Uint8Array.from([...ihdr(2, 2, 8, 2).subarray(0, 11), 1, 0]), 'filter method 1'],
  ];
  for (const [header, what] of cases) {
    const png = pngFile([['IHDR', header], ['IDAT', zlibSync(rows(2, 2))], ['IEND', new Uint8Array(0)]]);
    await expectError(() => decodeImage(png, 'hdr.png'), 'BAD_FORMAT', `hdr.png: PNG header (IHDR) has ${what}`);
  }
});

test('chunk order: PLTE required before palette data, IDAT in one run, one IHDR', async () => {
  const idat = ['IDAT', zlibSync(new Uint8Array([0, 0]))] as const;
  const end = ['IEND', new Uint8Array(0)] as const;
  const text = ['tEXt', new TextEncoder().encode('a\0b')] as const;
  const plte = ['PLTE', new Uint8Array([1, 2, 3])] as const;
  const pal = ['IHDR', ihdr(1, 1, 8, 3)] as const;
  // chunk offsets: the signature 8 bytes, IHDR 25, PLTE 15, this IDAT 22, tEXt 15
  const cases: [Uint8Array, string][] = [
    [pngFile([pal, idat, end]), 'palette image without a PLTE chunk'],
    [pngFile([pal, idat, plte, end]), 'PLTE chunk at byte 55 after the image data'],
    [pngFile([pal, plte, idat, text, idat, end]), 'IDAT chunk at byte 85 after other chunks ended the image data'],
    [pngFile([pal, plte, pal, idat, end]), 'a second IHDR chunk at byte 48'],
    [pngFile([pal, ['PLTE', new Uint8Array(4)], idat, end]), 'PLTE chunk of 4 bytes'],
    [pngFile([pal, plte, end]), 'no IDAT chunk'],
  ];
  for (const [png, what] of cases) await expectError(() => decodeImage(png, 'order.png'), 'BAD_FORMAT', what);
  // the same chunks in a right order, with a text chunk (skipped) before and after the data
  const img = decodeImage(pngFile([pal, text, plte, idat, text, end]), 'order.png');
  assert.equal([...img.data], [1, 2, 3]);
});

test('a filter type over 4 is BAD_FORMAT naming the row and pass', async () => {
  const data = rows(2, 3);
  data[7] = 5; // the second row's filter byte
  await expectError(
    () => decodeImage(rgbPng(2, 3, zlibSync(data)), 'filter.png'),
    'BAD_FORMAT',
    'filter.png: corrupt PNG image data: row 1 of pass 1 has filter type 5',
  );
});

test('corrupt zlib data is BAD_FORMAT naming the file', async () => {
  await expectError(
    () => decodeImage(rgbPng(2, 2, new Uint8Array([0x78, 0x9c, 0xff, 0xff, 0xff, 0xff])), 'zlib.png'),
    'BAD_FORMAT',
    'zlib.png: corrupt PNG image data',
  );
});

test('the bomb helper makes a valid stream: exactly the implied size of zeros decodes to black', () => {
  // 1024 rows of 1 filter byte + 341 RGB pixels: 1 MiB
  const png = bombPng(341, 1024, 1);
  assert.is(1024 * (1 + 341 * 3), MB);
  const img = decodeImage(png, 'black.png');
  assert.ok(img.data.every((v) => v === 0));
});

/**
 * 1 GiB of zeros in ~1 MB of IDAT, in a PNG claiming 16×16 pixels and one claiming
 * 1024×1024 (3 MB of image data, allowed by the default limit): each must be refused in a
 * fresh process, with the peak resident set under 100 MB above where it stood before the
 * decode. The 1 s bound is a sanity check of "bounded", not a benchmark: a cold process
 * takes 0.1–0.4 s here on a loaded machine (fflate still interpreted); the old decoder
 * inflated the whole GiB, taking seconds and GBs.
 */
test('decompression bombs are refused early, in bounded memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'png-bomb-'));
  try {
    for (const [width, height] of [[16, 16], [1024, 1024]] as const) {
      const bomb = bombPng(width, height, 1024);
      const file = join(dir, `bomb_${width}.png`);
      writeFileSync(file, bomb);
      const child = spawnSync(process.execPath, [
        fileURLToPath(new URL('../helpers/measure_decode.js', import.meta.url)),
        file,
      ], { encoding: 'utf8' });
      assert.is(child.status, 0, child.stderr);
      const r = JSON.parse(child.stdout) as {
        code?: string;
        message?: string;
        before: number;
        peak: number;
        ms: number;
      };
      const rise = (r.peak - r.before) / MB;
      console.log(
        `  ${width}×${height} bomb, ${(bomb.length / MB).toFixed(2)} MB inflating to 1024 MB: ${r.code} in ${
          r.ms.toFixed(0)
        } ms, peak RSS rise ${rise.toFixed(1)} MB`,
      );
      assert.is(r.code, 'BAD_FORMAT', r.message);
      assert.ok(r.message!.startsWith('bomb.png: PNG image data inflates past the'), r.message);
      // inflating stopped within 2 MB past the implied size (src/image/png/inflate.ts)
      const implied = height * (1 + 3 * width);
      const stopped = Number(/refused at (\d+) bytes/.exec(r.message!)?.[1]);
      assert.ok(stopped > implied && stopped <= implied + 2 * MB, `implied ${implied}, stopped at ${stopped}`);
      assert.ok(r.ms < 1000, `${r.ms} ms`);
      assert.ok(rise < 100, `peak RSS rose by ${rise.toFixed(1)} MB`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
