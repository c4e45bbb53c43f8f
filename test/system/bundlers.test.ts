/**
 * The package as web developers use it: `npm pack`, installed into an empty folder,
 * - `npx vqgan encode` on a fixture;
 * - the app in test/bundler_app built by Vite and by esbuild (`--platform=browser`), each
 *   run in headless Chromium: on a cross-origin isolated page on 2 threads, and without
 *   isolation on 1, with the CLI's tokens both times, and again after an encode aborted
 *   part way. The builds must not warn about
 *   Node modules, and must carry the workers and the kernels with no file to copy;
 * - test/bundler_app/consumer.mts type-checked against the package with
 *   moduleResolution `bundler` and `node16`.
 * Prints the Vite app's JavaScript and WebAssembly, raw and gzipped.
 */
import '../../src/entries/install_node.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChromium } from '../../demo/browser.js';
import { startServer } from '../../demo/server.js';
import { GOLDEN, TINY_CKPT } from '../helpers/golden.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const APP_SOURCES = `${ROOT}test/bundler_app/`;
const IMAGE = `${GOLDEN}stormy_256x256.png`;
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let work: string;
let app: string;
/** The CLI's tokens for IMAGE, from the installed package. */
let expected: number[];

test.before(() => {
  work = mkdtempSync(join(tmpdir(), 'vqgan-pack-'));
  app = join(work, 'app');
  // dist/ is built (npm test builds first): pack it as it is.
  const packed = JSON.parse(
    execFileSync(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: ROOT,
      encoding: 'utf8',
    }),
  )[0];
  execFileSync('mkdir', [app]);
  execFileSync(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed.filename)], {
    cwd: app,
    encoding: 'utf8',
    stdio: 'pipe',
  });
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test('the packed package, installed into an empty folder, runs `npx vqgan encode`; it has no runtime dependency beyond the image codecs', () => {
  const r = spawnSync('npx', ['vqgan', 'encode', IMAGE, '--weights', TINY_CKPT, '--threads', '2'], {
    cwd: app,
    encoding: 'utf8',
  });
  assert.is(r.status, 0, r.stderr);
  const grid = JSON.parse(r.stdout) as { height: number; width: number; tokens: number[]; };
  assert.equal([grid.height, grid.width, grid.tokens.length], [16, 16, 256]);
  expected = grid.tokens;
  const manifest = JSON.parse(readFileSync(join(app, 'node_modules/vqgan-wasm/package.json'), 'utf8'));
  assert.equal(Object.keys(manifest.dependencies).sort(), ['fflate']);
});

/** The app's files and the two files it fetches, ready for a bundler. */
function writeApp(dir: string): void {
  for (const name of ['main.js', 'index.html']) copyFileSync(join(APP_SOURCES, name), join(dir, name));
}

function servedAssets(out: string): void {
  copyFileSync(TINY_CKPT, join(out, 'tiny.ckpt'));
  copyFileSync(IMAGE, join(out, 'image.png'));
}

interface PageResult {
  height?: number;
  width?: number;
  tokens?: number[];
  threads?: number;
  isolated?: boolean;
  aborted?: string;
  again?: number[];
  error?: string;
}

/** The built app in Chromium, isolated on 2 threads and not isolated on 1; tokens must be the CLI's. */
async function runInChromium(out: string, what: string): Promise<void> {
  const browser = await launchChromium();
  try {
    for (const [isolated, threads] of [[true, 2], [false, 1]] as const) {
      const server = await startServer({ root: out, index: 'index.html', isolated });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        await page.goto(`${server.url}?threads=${threads}`);
        await page.waitForFunction(
          () => (globalThis as { vqganResult?: unknown; }).vqganResult !== undefined,
          undefined,
          { timeout: 60_000 },
        );
        const r = await page.evaluate(() => (globalThis as unknown as { vqganResult: PageResult; }).vqganResult);
        const label = `${what}, ${isolated ? 'isolated' : 'not isolated'}, ${threads} thread(s)`;
        assert.is(r.error, undefined, `${label}: ${r.error}`);
        assert.equal(errors, [], `${label}: page errors`);
        assert.is(r.isolated, isolated, `${label}: crossOriginIsolated`);
        assert.is(r.threads, threads, `${label}: threads`);
        assert.equal(r.tokens, expected, `${label}: the CLI's tokens`);
        // Isolated, the abort reaches the engine through shared memory; not isolated, it ends the worker and the next encode starts another.
        assert.is(r.aborted, 'AbortError', `${label}: an encode aborted part way`);
        assert.equal(r.again, expected, `${label}: the same tokens after the abort`);
        await page.close();
      } finally {
        await server.close();
      }
    }
  } finally {
    await browser.close();
  }
}

/** Bytes of each kind of file in `dir` (recursively), raw and gzipped. */
function sizes(dir: string): Record<string, { raw: number; gzip: number; }> {
  const out: Record<string, { raw: number; gzip: number; }> = {};
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const kind = /\.(js|wasm)$/.exec(name)?.[1];
    if (kind === undefined) continue;
    const bytes = readFileSync(join(dir, name));
    out[kind] ??= { raw: 0, gzip: 0 };
    out[kind].raw += bytes.length;
    out[kind].gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return out;
}

test('a Vite app built from the packed package encodes in Chromium, isolated on 2 threads and not on 1', async () => {
  const { build, createLogger } = await import('vite');
  const dir = join(app, 'vite');
  execFileSync('mkdir', [dir]);
  writeApp(dir);
  const warnings: string[] = [];
  const logger = createLogger('warn');
  logger.warn = (message) => void warnings.push(message);
  logger.warnOnce = (message) => void warnings.push(message);
  await build({
    root: dir,
    logLevel: 'warn',
    customLogger: logger,
    build: { outDir: join(dir, 'dist'), target: 'es2022' },
  });
  assert.equal(warnings, [], 'the build warns about nothing (no Node module "externalized for browser compatibility")');
  const out = join(dir, 'dist');
  const kinds = sizes(out);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `  Vite app: JavaScript ${kb(kinds.js!.raw)} raw, ${kb(kinds.js!.gzip)} gzipped; .wasm files: ${
      kinds.wasm === undefined ? 'none (the kernels are inside the JavaScript)' : kb(kinds.wasm.raw)
    }`,
  );
  servedAssets(out);
  await runInChromium(out, 'Vite');
});

test('an esbuild --platform=browser bundle of the same app encodes in Chromium, isolated on 2 threads and not on 1', async () => {
  const esbuild = await import('esbuild');
  const dir = join(app, 'esbuild');
  execFileSync('mkdir', [dir]);
  writeApp(dir);
  const out = join(dir, 'dist');
  const result = await esbuild.build({
    entryPoints: [join(dir, 'main.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: out,
    logLevel: 'silent',
  });
  assert.equal([...result.errors, ...result.warnings].map((m) => m.text), [], 'esbuild reports nothing');
  copyFileSync(join(dir, 'index.html'), join(out, 'index.html'));
  servedAssets(out);
  await runInChromium(out, 'esbuild');
});

test('a TypeScript consumer type-checks against the package with moduleResolution bundler and node16', () => {
  copyFileSync(join(APP_SOURCES, 'consumer.mts'), join(app, 'consumer.mts'));
  const tsc = `${ROOT}node_modules/typescript/bin/tsc`;
  for (const [module, resolution] of [['esnext', 'bundler'], ['node16', 'node16']]) {
    const config = {
      compilerOptions: {
        target: 'es2022',
        module,
        moduleResolution: resolution,
        lib: ['es2022', 'dom'],
        strict: true,
        noEmit: true,
        types: [],
        skipLibCheck: false,
      },
      files: ['consumer.mts'],
    };
    writeFileSync(join(app, `tsconfig.${resolution}.json`), JSON.stringify(config));
    const r = spawnSync(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], { cwd: app, encoding: 'utf8' });
    assert.is(r.status, 0, `moduleResolution ${resolution}:\n${r.stdout}${r.stderr}`);
  }
});

test.run();
