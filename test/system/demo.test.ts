/**
 * The demo page (demo/index.html), driven in headless Chromium: pick the tiny checkpoint
 * and a fixture image as a user would, wait for the page to finish, and require the
 * tokens it shows to be the CLI's for the same image and weights, token by token. On a
 * cross-origin isolated page it must run on 2+ threads; without isolation on one, with
 * the same tokens, and say so. Its reconstruction must be the CLI's too, pixel for pixel.
 * Screenshots go to dist/screenshots/demo.png (isolated) and demo-not-isolated.png.
 */
import '../../src/entries/install_node.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer } from '../../demo/server.js';
import { decodeImage } from '../../src/image/decode.js';
import { launchChromium } from '../../demo/browser.js';
import { runCli } from '../helpers/cli.js';
import { GOLDEN, TINY_CKPT } from '../helpers/golden.js';

const PNG = `${GOLDEN}mountain_256x256.png`;
/** The tiny model takes well under a second per step; this only catches a page that hangs. */
const DONE_TIMEOUT_MS = 60_000;
const SCREENSHOTS = fileURLToPath(new URL('../../screenshots/', import.meta.url));

interface Grid {
  height: number;
  width: number;
  tokens: number[];
}

interface PageRun {
  grid: Grid;
  /** The reconstruction canvas's pixels, RGB. */
  reconstruction: { width: number; height: number; data: number[]; };
  threads: number;
  isolated: boolean;
  badge: string;
  /** Values the encode and decode bars showed, in order. */
  bars: { encode: number[]; decode: number[]; };
  timings: string[];
  errors: string[];
}

/** Records every value the two compute progress bars take (a progress bar reflects `value` as an attribute). */
function recordBars(): void {
  const seen: Record<string, number[]> = { encode: [], decode: [] };
  (globalThis as unknown as { demoBars: typeof seen; }).demoBars = seen;
  document.addEventListener('DOMContentLoaded', () => {
    for (const stage of ['encode', 'decode']) {
      const bar = document.getElementById(`${stage}-progress`) as HTMLProgressElement;
      new MutationObserver(() => seen[stage]!.push(bar.value)).observe(bar, {
        attributes: true,
        attributeFilter: ['value'],
      });
    }
  });
}

async function runPage(isolated: boolean, screenshot?: string): Promise<PageRun> {
  const server = await startServer({ isolated });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`HTTP ${r.status()} for ${r.url()}`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console error: ${m.text()}`);
    });
    await page.addInitScript(recordBars);
    await page.goto(server.url);
    await page.setInputFiles('#weights-file', TINY_CKPT);
    await page.setInputFiles('#image-file', PNG);
    try {
      await page.waitForSelector('#status[data-state="done"]', { timeout: DONE_TIMEOUT_MS });
    } catch {
      const status = await page.$eval('#status', (e) => `${(e as HTMLElement).dataset.state}: ${e.textContent}`);
      const error = await page.$eval('#error', (e) => e.textContent);
      assert.unreachable(
        `the demo page did not finish within ${DONE_TIMEOUT_MS / 1000} s: status "${status}", error box "${error}", ${
          errors.join('; ') || 'no page errors'
        }`,
      );
    }
    if (await page.isVisible('#error')) errors.push(`error box: ${await page.textContent('#error')}`);
    if (screenshot !== undefined) await page.screenshot({ path: screenshot, fullPage: true });
    return {
      grid: JSON.parse(await page.inputValue('#tokens-json')) as Grid,
      reconstruction: await page.$eval('#reconstruction-canvas', (canvas) => {
        const c = canvas as HTMLCanvasElement;
        const rgba = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        return { width: c.width, height: c.height, data: Array.from(rgba).filter((_, i) => i % 4 !== 3) };
      }),
      threads: Number(await page.getAttribute('#threads-used', 'data-threads')),
      isolated: await page.evaluate(() => globalThis.crossOriginIsolated),
      badge: (await page.textContent('#isolation')) ?? '',
      bars: await page.evaluate(() => (globalThis as unknown as { demoBars: PageRun['bars']; }).demoBars),
      timings: await Promise.all(
        ['#time-load', '#time-encode', '#time-decode'].map(async (s) => (await page.textContent(s)) ?? ''),
      ),
      errors,
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

interface CliOutputs {
  grid: Grid;
  reconstruction: { width: number; height: number; data: Uint8Array; };
}

/** The CLI's tokens and reconstruction for the same image and weights. */
async function cliOutputs(): Promise<CliOutputs> {
  const dir = mkdtempSync(join(tmpdir(), 'vqgan-demo-'));
  try {
    const tokens = join(dir, 'tokens.json');
    const png = join(dir, 'reconstruction.png');
    const runs = await Promise.all([
      runCli(['encode', PNG, '--weights', TINY_CKPT, '--out', tokens]),
      runCli(['reconstruct', PNG, '--weights', TINY_CKPT, '--out', png]),
    ]);
    for (const r of runs) assert.is(r.code, 0, r.stderr);
    return {
      grid: JSON.parse(readFileSync(tokens, 'utf8')) as Grid,
      reconstruction: decodeImage(new Uint8Array(readFileSync(png)), png),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertSameTokens(page: Grid, cli: Grid, what: string): void {
  assert.equal([page.height, page.width], [cli.height, cli.width], `${what}: grid size`);
  const differing = cli.tokens.flatMap((t, i) =>
    page.tokens[i] === t
      ? []
      : [`(row ${Math.floor(i / cli.width)}, column ${i % cli.width}): CLI ${t}, page ${page.tokens[i]}`]
  );
  assert.is(page.tokens.length, cli.tokens.length, `${what}: token count`);
  assert.equal(
    differing,
    [],
    `${what}: ${differing.length} of ${cli.tokens.length} tokens differ: ${differing.slice(0, 20).join('; ')}`,
  );
}

function assertSamePixels(page: PageRun['reconstruction'], cli: CliOutputs['reconstruction'], what: string): void {
  assert.equal([page.width, page.height], [cli.width, cli.height], `${what}: reconstruction size`);
  assert.is(page.data.length, cli.data.length, `${what}: reconstruction bytes`);
  const first = page.data.findIndex((v, i) => v !== cli.data[i]);
  const at = Math.floor(first / 3);
  assert.ok(
    first < 0,
    `${what}: the page's reconstruction differs from the CLI's first at pixel (${at % cli.width}, ${
      Math.floor(at / cli.width)
    })`,
  );
}

/** A bar that moved through real fractions: some strictly between 0 and 1, never backwards within a run, ending full. */
function assertBar(values: number[], what: string): void {
  const run = values.slice(values.lastIndexOf(0) + 1);
  assert.ok(run.some((v) => v > 0 && v < 1), `${what} bar showed fractions between 0 and 1: ${values.join(', ')}`);
  assert.ok(run.every((v, i) => i === 0 || v >= run[i - 1]!), `${what} bar never went backwards: ${run.join(', ')}`);
  assert.is(run.at(-1), 1, `${what} bar ends full`);
}

let cli: Promise<CliOutputs>;

test.before(() => {
  cli = cliOutputs(); // child processes: they overlap with the browser
});

test('the demo page, cross-origin isolated: the CLI\'s tokens, on 2+ threads, with real progress', async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const screenshot = join(SCREENSHOTS, 'demo.png');
  const run = await runPage(true, screenshot);
  console.log(`demo screenshot: ${screenshot}`);
  assert.equal(run.errors, [], 'no page errors');
  assert.ok(run.isolated, 'the page is cross-origin isolated');
  assert.match(run.badge, /^cross-origin isolated/);
  assert.ok(run.threads >= 2, `the page reports ${run.threads} threads`);
  const expected = await cli;
  assertSameTokens(run.grid, expected.grid, 'isolated page');
  assertSamePixels(run.reconstruction, expected.reconstruction, 'isolated page');
  assertBar(run.bars.encode, 'encode');
  assertBar(run.bars.decode, 'decode');
  for (const t of run.timings) assert.match(t, /^\d+(\.\d+)? (ms|s)$/, `a timing is shown: "${t}"`);
});

test('the demo page without isolation: one thread, says so, the same tokens', async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const screenshot = join(SCREENSHOTS, 'demo-not-isolated.png');
  const run = await runPage(false, screenshot);
  console.log(`demo screenshot: ${screenshot}`);
  assert.equal(run.errors, [], 'no page errors');
  assert.not.ok(run.isolated);
  assert.is(run.badge, 'not cross-origin isolated: running on one thread');
  assert.is(run.threads, 1);
  const expected = await cli;
  assertSameTokens(run.grid, expected.grid, 'page without isolation');
  assertSamePixels(run.reconstruction, expected.reconstruction, 'page without isolation');
});

test.run();
