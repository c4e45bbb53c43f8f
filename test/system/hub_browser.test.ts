/**
 * Vqgan.load('owner/name') in headless Chromium: the weights and config come from a
 * local stand-in hub (CORS on, the weights behind an LFS-style redirect) into the Cache
 * Storage ('vqgan-wasm'), and a second load with the hub gone reads them from there,
 * giving the same tokens as Node on the local file. The weights' first transfer stalls
 * after 1 kB: the page gives up on it and resumes with a Range request. Nothing leaves
 * 127.0.0.1.
 */
import '../../src/entries/install_node.js';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Vqgan } from '../../src/api/vqgan.js';
import { Tensor } from '../../src/core/tensor.js';
import { openBlankPage } from '../../demo/browser.js';
import { TINY, TINY_CKPT } from '../helpers/golden.js';

const CKPT = readFileSync(TINY_CKPT);
const CONFIG_YAML = readFileSync(`${TINY}config.yaml`);
const SIDE = 32;
/** A fixed input in model range, the same on both sides. */
const input = (): Float32Array => Float32Array.from({ length: 3 * SIDE * SIDE }, (_, i) => Math.sin(i * 0.37) * 0.9);

const requests: string[] = [];
let stalled = false;
const cors = { 'Access-Control-Allow-Origin': '*' };
const hub: Server = createServer((req, res) => {
  const path = req.url ?? '/';
  const range = req.headers.range;
  requests.push(`${req.method === 'GET' ? '' : `${req.method} `}${path}${range === undefined ? '' : ` ${range}`}`);
  if (req.method === 'OPTIONS') {
    res.writeHead(204, { 'Access-Control-Allow-Headers': 'Range', ...cors }).end();
  } else if (path === '/tester/tiny/resolve/main/model.ckpt') {
    res.writeHead(302, { Location: '/lfs/tiny.ckpt', ...cors }).end();
  } else if (path === '/lfs/tiny.ckpt') {
    const from = Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1] ?? 0);
    if (from > 0) {
      // Content-Range is not exposed to the page: the 206 alone says the range was served.
      res.writeHead(206, {
        'Content-Length': CKPT.length - from,
        'Content-Range': `bytes ${from}-${CKPT.length - 1}/${CKPT.length}`,
        ...cors,
      }).end(CKPT.subarray(from));
    } else if (stalled) res.writeHead(200, { 'Content-Length': CKPT.length, ...cors }).end(CKPT);
    else {
      // The first time: 1 kB, then nothing, until the page gives up and asks for the rest.
      stalled = true;
      res.writeHead(200, { 'Content-Length': CKPT.length, ...cors }).write(CKPT.subarray(0, 1024));
    }
  } else if (path === '/tester/tiny/resolve/main/config.yaml') {
    res.writeHead(200, { 'Content-Length': CONFIG_YAML.length, ...cors }).end(CONFIG_YAML);
  } else res.writeHead(404, cors).end();
});
await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
const address = hub.address();
const endpoint = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;

test('the hub into the Cache Storage, and from it again with the hub gone', async () => {
  const local = await Vqgan.load(TINY_CKPT, { threads: 1 });
  const expected = (await local.encode(new Tensor([1, 3, SIDE, SIDE], input()))).tokens;
  local.dispose();

  const { page, errors, close } = await openBlankPage(false);
  try {
    const load = (): Promise<{ tokens: number[]; progress: [number, number | undefined][]; cached: string[]; }> =>
      page.evaluate(async ({ endpoint, side, values, modules }) => {
        await import(modules.platform); // the browser platform, as the package's entry installs it
        const { Vqgan } = (await import(modules.api)) as typeof import('../../src/api/vqgan.js');
        const { Tensor } = (await import(modules.tensor)) as typeof import('../../src/core/tensor.js');
        const progress: [number, number | undefined][] = [];
        const vq = await Vqgan.load('tester/tiny', {
          threads: 1,
          hub: { endpoint, downloadTimeout: 0.5, retryDelay: 0.01 },
          onProgress: (l, t) => void progress.push([l, t]),
        });
        const data = Float32Array.from(values);
        const tokens = Array.from((await vq.encode(new Tensor([1, 3, side, side], data))).tokens as ArrayLike<number>);
        vq.dispose();
        const cache = await caches.open('vqgan-wasm');
        const cached = await Promise.all(
          (await cache.keys()).map(async (r) => `${new URL(r.url).pathname} ${(await cache.match(r))!.status}`),
        );
        return { tokens, progress, cached: cached.sort() };
      }, {
        endpoint,
        side: SIDE,
        values: Array.from(input()),
        modules: {
          platform: '/dist/src/entries/install_web.js',
          api: '/dist/src/api/vqgan.js',
          tensor: '/dist/src/core/tensor.js',
        },
      });

    const first = await load();
    assert.equal(requests, [
      '/tester/tiny/resolve/main/model.ckpt',
      '/lfs/tiny.ckpt', // 1 kB, then a stall
      '/tester/tiny/resolve/main/model.ckpt bytes=1024-', // no preflight: a single range is CORS-safelisted
      '/lfs/tiny.ckpt bytes=1024-',
      '/tester/tiny/resolve/main/config.yaml',
    ]);
    assert.equal(first.tokens, Array.from(expected), 'the tokens of Node on the local file');
    assert.equal(first.progress.at(-1), [CKPT.length, CKPT.length], 'the download reported to the end');
    assert.equal(first.cached, [
      '/tester/tiny/resolve/main/config.yaml 200',
      '/tester/tiny/resolve/main/model.ckpt 200',
    ]);

    hub.closeAllConnections();
    await new Promise<void>((resolve) => hub.close(() => resolve()));
    const second = await load();
    assert.equal(requests.length, 5, 'no request the second time');
    assert.equal(second.tokens, first.tokens);
    assert.ok(second.progress.at(-1)![0] < CKPT.length, 'then the tensors read from the cached bytes are reported');
    assert.equal(errors, [], 'no page errors');
  } finally {
    await close();
    if (hub.listening) hub.close();
  }
});

test.run();
