/**
 * Weights from the Hugging Face hub, against a local stand-in on 127.0.0.1 that serves
 * the tiny fixture in the hub's layout (`/{owner}/{name}/resolve/{revision}/{file}`):
 * large files as the hub serves LFS files (a 302 to a CDN with X-Linked-Etag and
 * X-Linked-Size), small ones directly with a git-sha1 ETag. The CLI runs in child
 * processes with HF_ENDPOINT and VQGAN_CACHE pointing at it and a temporary folder: a
 * fresh download, an interrupted one resumed, a server that ignores ranges, corrupt
 * bytes, 404s, the token, redirects, and the cache with the hub gone. Nothing leaves
 * 127.0.0.1.
 */
import '../../src/entries/install_node.js';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Vqgan } from '../../src/api/vqgan.js';
import { formatHubId, parseHubId } from '../../src/hub/hub_id.js';
import { hubIdOf } from '../../src/hub/resolve.js';
import { formatBytes } from '../../src/core/format_bytes.js';
import { ProgressBar } from '../../src/cli/progress_bar.js';
import { parseYamlSubset } from '../../src/weights/yaml.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { GOLDEN, TINY, TINY_CKPT, TINY_SAFETENSORS } from '../helpers/golden.js';

const dir = mkdtempSync(join(tmpdir(), 'vqgan-hub-'));
const cache = join(dir, 'cache');
test.after(() => rmSync(dir, { recursive: true, force: true }));
const PNG = `${GOLDEN}mountain_256x256.png`;
const TOKEN = 'hf_sekrit_test_token';

const CKPT = new Uint8Array(readFileSync(TINY_CKPT));
const SAFETENSORS = new Uint8Array(readFileSync(TINY_SAFETENSORS));
const CONFIG_YAML = readFileSync(`${TINY}config.yaml`, 'utf8');
const CONFIG_JSON = JSON.stringify(parseYamlSubset(CONFIG_YAML, 'config.yaml'));
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

// ---- The stand-in hub ----

interface HubFile {
  readonly body: Uint8Array | string;
  /** Served as the hub serves LFS files: a redirect to the CDN. */
  readonly lfs?: 'relative' | 'cdn';
  /** The first full download is cut after half its bytes (the socket destroyed). */
  readonly cutOnce?: boolean;
  readonly ignoreRange?: boolean;
  /** One byte flipped in what is served; X-Linked-Etag stays the true sha256. */
  readonly corrupt?: boolean;
}

const REPOS: Record<string, Record<string, HubFile>> = {
  'tester/tiny': { 'model.ckpt': { body: CKPT, lfs: 'relative' }, 'config.yaml': { body: CONFIG_YAML } },
  'boris/vqgan_f16_16384': {
    'model.safetensors': { body: SAFETENSORS, lfs: 'cdn' },
    'config.json': { body: CONFIG_JSON },
    'config.yaml': { body: 'not: used\n' },
  },
  'tester/cut': { 'model.ckpt': { body: CKPT, lfs: 'cdn', cutOnce: true }, 'config.yaml': { body: CONFIG_YAML } },
  'tester/norange': { 'model.ckpt': { body: CKPT, lfs: 'cdn', cutOnce: true, ignoreRange: true } },
  'tester/whole': { 'model.ckpt': { body: CKPT, lfs: 'cdn' } },
  'tester/corrupt': { 'model.ckpt': { body: CKPT, lfs: 'cdn', corrupt: true } },
  'tester/empty': { 'README.md': { body: '# nothing here\n' } },
  'tester/private': { 'model.ckpt': { body: CKPT, lfs: 'cdn' } },
};
const PRIVATE = new Set(['tester/private']);

interface Logged {
  readonly server: 'hub' | 'cdn';
  readonly path: string;
  readonly status: number;
  readonly range: string | undefined;
  readonly authorization: string | undefined;
}
const log: Logged[] = [];
const cut = new Set<string>();

function serveBytes(
  req: IncomingMessage,
  res: ServerResponse,
  key: string,
  file: HubFile,
  headers: Record<string, string>,
): number {
  let body = typeof file.body === 'string' ? new TextEncoder().encode(file.body) : file.body;
  if (file.corrupt) {
    body = body.slice();
    body[body.length >> 1]! ^= 0xff;
  }
  const size = body.length;
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range !== null && file.ignoreRange !== true) {
    const start = Number(range[1]);
    if (start >= size) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}`, ...headers }).end();
      return 416;
    }
    res.writeHead(206, {
      'Content-Length': size - start,
      'Content-Range': `bytes ${start}-${size - 1}/${size}`,
      ...headers,
    }).end(body.subarray(start));
    return 206;
  }
  res.writeHead(200, { 'Content-Length': size, 'Content-Type': 'application/octet-stream', ...headers });
  if (file.cutOnce === true && !cut.has(key)) {
    cut.add(key);
    res.write(body.subarray(0, size >> 1), () => setTimeout(() => res.destroy(), 100));
  } else {
    res.end(body);
  }
  return 200;
}

function handler(server: 'hub' | 'cdn', base: () => { hub: string; cdn: string; }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? '/';
    const record = (status: number): void =>
      void log.push({ server, path, status, range: req.headers.range, authorization: req.headers.authorization });
    const cdn = /^\/cdn\/([^/]+\/[^/]+)\/([^?]+)/.exec(path);
    if (cdn !== null) {
      const file = REPOS[cdn[1]!]?.[cdn[2]!];
      if (file === undefined) {
        record(404);
        res.writeHead(404).end();
      } else {
        record(serveBytes(req, res, path, file, {}));
      }
      return;
    }
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const repo = m === null ? undefined : REPOS[m[1]!];
    if (server !== 'hub' || m === null || repo === undefined) {
      record(404);
      res.writeHead(404, { 'X-Error-Code': 'RepoNotFound', 'X-Error-Message': 'Repository not found' }).end();
      return;
    }
    if (PRIVATE.has(m[1]!) && req.headers.authorization !== `Bearer ${TOKEN}`) {
      record(401);
      res.writeHead(401, { 'X-Error-Code': 'GatedRepo', 'X-Error-Message': 'Access to this model is restricted' })
        .end();
      return;
    }
    const file = repo[m[3]!];
    if (file === undefined) {
      record(404);
      res.writeHead(404, { 'X-Error-Code': 'EntryNotFound', 'X-Error-Message': 'Entry not found' }).end();
      return;
    }
    if (file.lfs !== undefined) {
      const body = file.body as Uint8Array;
      const target = `/cdn/${m[1]}/${m[3]}`;
      record(302);
      res.writeHead(302, {
        Location: file.lfs === 'relative' ? target : `${base().cdn}${target.slice(1)}?X-Signature=abc`,
        'X-Linked-Etag': `"${sha256(body)}"`,
        'X-Linked-Size': String(body.length),
        ETag: `"${sha256(body)}"`,
      }).end();
      return;
    }
    // A small file: served directly, its ETag a git blob sha1 (not a sha256).
    const text = typeof file.body === 'string' ? file.body : '';
    const gitSha1 = createHash('sha1').update(`blob ${Buffer.byteLength(text)}\0${text}`).digest('hex');
    record(serveBytes(req, res, path, file, { ETag: `"${gitSha1}"` }));
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/`;
}

const urls = { hub: '', cdn: '' };
const hubServer = createServer(handler('hub', () => urls));
const cdnServer = createServer(handler('cdn', () => urls));
urls.hub = await listen(hubServer);
urls.cdn = await listen(cdnServer);
const ENDPOINT = urls.hub.slice(0, -1);
let running = true;
async function stopServers(): Promise<void> {
  if (!running) return;
  running = false;
  for (const s of [hubServer, cdnServer]) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
test.after(stopServers);

const ENV = { HF_ENDPOINT: ENDPOINT, VQGAN_CACHE: cache, HF_TOKEN: '' };
const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runCli(args, { env: { ...ENV, ...env } });
const folderOf = (id: string, revision = 'main'): string => join(cache, id.replace('/', '--'), revision);

function ok(step: string, r: CliResult): void {
  assert.is(r.code, 0, `${step}: exit code ${r.code} (stderr: ${r.stderr})`);
}

function failed(step: string, r: CliResult, pattern: RegExp): void {
  assert.is(r.code, 1, `${step}: exit code ${r.code} (stderr: ${r.stderr})`);
  assert.match(r.stderr, pattern, step);
  assert.not.match(r.stderr, /\n\s+at /, `${step}: no stack trace`);
}

function sameBytes(path: string, expected: Uint8Array, what: string): void {
  const got = readFileSync(path);
  assert.ok(
    got.length === expected.length && Buffer.compare(got, expected) === 0,
    `${what}: ${got.length} bytes, not byte-identical to the ${expected.length} expected`,
  );
}

/** The requests the servers logged while `run` ran. */
async function logged<T>(run: () => Promise<T>): Promise<[T, Logged[]]> {
  const from = log.length;
  const result = await run();
  return [result, log.slice(from)];
}

const tokensOf = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
let localTokens: unknown;

// ---- Tests ----

test('ids: owner/name[@revision], and an existing path or a file name is never an id', async () => {
  assert.equal(parseHubId('boris/vqgan_f16_16384'), { owner: 'boris', name: 'vqgan_f16_16384', revision: 'main' });
  assert.equal(parseHubId('dalle-mini/vqgan_imagenet_f16_16384@v1.0'), {
    owner: 'dalle-mini',
    name: 'vqgan_imagenet_f16_16384',
    revision: 'v1.0',
  });
  assert.equal(parseHubId('o/n@refs/pr/1')?.revision, 'refs/pr/1');
  for (
    const bad of [
      'weights/model.ckpt',
      'photos/cat.png',
      'a/b/c',
      './a/b',
      '/abs/path',
      'a--b/c',
      'a/..',
      '../x',
      'o/n@',
      'o/n@../x',
      'C:\\x\\y',
      'https://x/y',
      'plain',
    ]
  ) {
    assert.is(parseHubId(bad), undefined, bad);
  }
  assert.is(formatHubId(parseHubId('o/n@main')!), 'o/n');
  const cwd = process.cwd();
  mkdirSync(join(dir, 'paths', 'own', 'model'), { recursive: true });
  process.chdir(join(dir, 'paths'));
  try {
    assert.is(await hubIdOf('own/model'), undefined, 'an existing folder is a path');
    assert.equal(await hubIdOf('own/other'), { owner: 'own', name: 'other', revision: 'main' });
  } finally {
    process.chdir(cwd);
  }
});

test('vqgan fetch: a fresh download through an LFS redirect into {cache}/{owner}--{name}/{revision}/', async () => {
  const [r, requests] = await logged(() => cli(['fetch', 'tester/tiny']));
  ok('fetch', r);
  const folder = folderOf('tester/tiny');
  assert.equal(r.stdout, `${folder}/model.ckpt\n${folder}/config.yaml\n`);
  sameBytes(`${folder}/model.ckpt`, CKPT, 'model.ckpt');
  assert.is(readFileSync(`${folder}/config.yaml`, 'utf8'), CONFIG_YAML);
  assert.equal(readdirSync(folder).sort(), ['config.yaml', 'model.ckpt'], 'no partial file left');
  assert.equal(requests.map((q) => `${q.server} ${q.path} ${q.status}`), [
    'hub /tester/tiny/resolve/main/model.ckpt 302',
    'hub /cdn/tester/tiny/model.ckpt 200', // the relative Location, followed
    'hub /tester/tiny/resolve/main/config.yaml 200',
  ]);
  assert.match(r.stderr, `downloading tester/tiny model.ckpt from ${ENDPOINT}/cdn/tester/tiny/model.ckpt, 18.4 MB\n`);
  assert.match(r.stderr, `downloaded tester/tiny model.ckpt to ${folder}/model.ckpt (18.4 MB)\n`);
  assert.match(r.stderr, `tester/tiny@main: downloaded into ${folder} (model.ckpt, config.yaml)`);
});

test('vqgan encode --weights owner/name gives the tokens of the local file, from the cache without a request', async () => {
  ok('local', await cli(['encode', PNG, '--weights', TINY_CKPT, '--threads', '1', '--out', join(dir, 'local.json')]));
  localTokens = tokensOf(join(dir, 'local.json'));
  const [r, requests] = await logged(() =>
    cli(['encode', PNG, '--weights', 'tester/tiny', '--threads', '1', '--out', join(dir, 'hub.json')])
  );
  ok('hub id', r);
  assert.equal(tokensOf(join(dir, 'hub.json')), localTokens);
  assert.equal(requests, [], 'a cached model touches no network');
  assert.not.match(r.stderr, /download/);
});

test('no --weights: the default model; the token goes to the hub, not to the CDN, and is never printed', async () => {
  const out = join(dir, 'default.json');
  const [r, requests] = await logged(() => cli(['encode', PNG, '--threads', '1', '--out', out], { HF_TOKEN: TOKEN }));
  ok('default model', r);
  assert.equal(tokensOf(out), localTokens, 'model.safetensors + config.json give the checkpoint\'s tokens');
  assert.equal(requests.map((q) => `${q.server} ${q.path.split('?')[0]} ${q.status}`), [
    'hub /boris/vqgan_f16_16384/resolve/main/model.ckpt 404',
    'hub /boris/vqgan_f16_16384/resolve/main/flax_model.msgpack 404',
    'hub /boris/vqgan_f16_16384/resolve/main/model.safetensors 302',
    'cdn /cdn/boris/vqgan_f16_16384/model.safetensors 200', // the absolute Location, another origin
    'hub /boris/vqgan_f16_16384/resolve/main/config.json 200', // JSON goes with safetensors
  ]);
  for (const q of requests) {
    assert.is(
      q.authorization,
      q.server === 'hub' ? `Bearer ${TOKEN}` : undefined,
      `${q.server} ${q.path}: Authorization`,
    );
  }
  assert.not.match(r.stderr + r.stdout, TOKEN);
  assert.not.match(r.stderr, /X-Signature/, 'a CDN query string stays out of messages');
  assert.equal(readdirSync(folderOf('boris/vqgan_f16_16384')).sort(), ['config.json', 'model.safetensors']);
});

test('a revision: its own folder and URL', async () => {
  const [r, requests] = await logged(() => cli(['fetch', 'tester/tiny@v1.0']));
  ok('fetch @v1.0', r);
  assert.is(requests[0]!.path, '/tester/tiny/resolve/v1.0/model.ckpt');
  sameBytes(join(folderOf('tester/tiny', 'v1.0'), 'model.ckpt'), CKPT, 'model.ckpt at v1.0');
});

test('a transfer cut halfway is resumed with a Range request, byte-identical', async () => {
  const folder = folderOf('tester/cut');
  const [first] = await logged(() => cli(['fetch', 'tester/cut']));
  failed(
    'cut',
    first,
    /vqgan: tester\/cut model\.ckpt: download from http:\/\/127\.0\.0\.1:\d+\/cdn\/tester\/cut\/model\.ckpt interrupted after \d+ of 18386410 bytes \(.*\); run again to resume\n/,
  );
  assert.match(first.stderr, /download of tester\/cut model\.ckpt stopped at /);
  assert.not.ok(existsSync(`${folder}/model.ckpt`), 'no cached file after the cut');
  const have = statSync(`${folder}/model.ckpt.partial`).size;
  assert.ok(have > 0 && have < CKPT.length, `partial of ${have} bytes`);

  const [second, requests] = await logged(() => cli(['fetch', 'tester/cut']));
  ok('resume', second);
  const ranged = requests.filter((q) => q.path.includes('model.ckpt'));
  assert.equal(ranged.map((q) => `${q.server} ${q.range} ${q.status}`), [
    `hub bytes=${have}- 302`,
    `cdn bytes=${have}- 206`,
  ]);
  assert.match(second.stderr, 'resuming at');
  sameBytes(`${folder}/model.ckpt`, CKPT, 'resumed model.ckpt');
  assert.equal(readdirSync(folder).sort(), ['config.yaml', 'model.ckpt']);
});

test('a server that ignores Range and answers 200: the download starts over', async () => {
  const folder = folderOf('tester/norange');
  failed('cut', await cli(['fetch', 'tester/norange']), /interrupted after/);
  const have = statSync(`${folder}/model.ckpt.partial`).size;
  const [r, requests] = await logged(() => cli(['fetch', 'tester/norange']));
  ok('start over', r);
  assert.equal(requests.filter((q) => q.path.includes('model.ckpt')).map((q) => `${q.server} ${q.range} ${q.status}`), [
    `hub bytes=${have}- 302`,
    `cdn bytes=${have}- 200`,
  ]);
  sameBytes(`${folder}/model.ckpt`, CKPT, 'model.ckpt downloaded again');
  assert.equal(readdirSync(folder), ['model.ckpt'], 'no config on the hub, none in the cache');
});

test('a partial file that is already whole: the 416 answer ends it, and the sha256 is checked', async () => {
  const folder = folderOf('tester/whole');
  mkdirSync(folder, { recursive: true });
  copyFileSync(TINY_CKPT, `${folder}/model.ckpt.partial`);
  const [r, requests] = await logged(() => cli(['fetch', 'tester/whole']));
  ok('whole partial', r);
  assert.equal(requests.filter((q) => q.path.includes('model.ckpt')).map((q) => `${q.range} ${q.status}`), [
    `bytes=${CKPT.length}- 302`,
    `bytes=${CKPT.length}- 416`,
  ]);
  sameBytes(`${folder}/model.ckpt`, CKPT, 'model.ckpt');
});

test('corrupt bytes: a checksum error naming the file and both hashes, and nothing cached', async () => {
  const folder = folderOf('tester/corrupt');
  const bad = CKPT.slice();
  bad[bad.length >> 1]! ^= 0xff;
  const r = await cli(['fetch', 'tester/corrupt']);
  failed(
    'corrupt',
    r,
    new RegExp(
      `tester/corrupt model\\.ckpt: checksum mismatch: expected sha256 ${sha256(CKPT)}, got ${
        sha256(bad)
      }; the download was deleted`,
    ),
  );
  assert.equal(readdirSync(folder), [], 'neither the file nor its partial');
  // A run with this model fails the same way rather than using anything.
  failed(
    'encode',
    await cli(['encode', PNG, '--weights', 'tester/corrupt', '--out', join(dir, 'never.json')]),
    /checksum mismatch/,
  );
  assert.not.ok(existsSync(join(dir, 'never.json')));
});

test('404s and 401s name the id, the file and the status', async () => {
  failed(
    'no weights',
    await cli(['fetch', 'tester/empty']),
    new RegExp(
      `vqgan: tester/empty: no weights file at ${ENDPOINT}/tester/empty \\(revision main\\); tried model\\.ckpt, flax_model\\.msgpack, model\\.safetensors: HTTP 404 for each\\n`,
    ),
  );
  failed(
    'no repo',
    await cli(['encode', PNG, '--weights', 'tester/nope@v2', '--out', join(dir, 'never.json')]),
    new RegExp(
      `vqgan: tester/nope@v2 model\\.ckpt: HTTP 404 Not Found from ${ENDPOINT}/tester/nope/resolve/v2/model\\.ckpt \\(Repository not found\\)\\n`,
    ),
  );
  failed(
    'private',
    await cli(['fetch', 'tester/private']),
    /vqgan: tester\/private model\.ckpt: HTTP 401 Unauthorized from .* \(Access to this model is restricted\); a private or gated model \(set HF_TOKEN\)/,
  );
  ok('private with a token', await cli(['fetch', 'tester/private'], { HF_TOKEN: TOKEN }));
  assert.not.ok(existsSync(folderOf('tester/empty')), 'no empty folders for 404s');
});

test('what is not a hub id goes no further than the file system', async () => {
  const [r, requests] = await logged(() =>
    cli(['encode', PNG, '--weights', 'weights/nope.ckpt', '--out', join(dir, 'never.json')])
  );
  failed('missing file', r, /weights\/nope\.ckpt: cannot read \(no such file\)/);
  failed(
    'fetch a path',
    await cli(['fetch', TINY_CKPT]),
    /vqgan fetch .*tiny\.ckpt: not a hub id; expected OWNER\/NAME\[@REVISION\]/,
  );
  assert.equal(requests, []);
});

test('Vqgan.load(id): the progress callback sees the download bytes, then the cache is read like a file', async () => {
  const hub = { endpoint: ENDPOINT, cacheDir: join(dir, 'api-cache'), token: '' };
  const calls: [number, number | undefined][] = [];
  const vq = await Vqgan.load('tester/tiny', {
    hub,
    threads: 1,
    onProgress: (loaded, total) => void calls.push([loaded, total]),
  });
  vq.dispose();
  assert.equal(calls[0], [0, CKPT.length]);
  assert.equal(calls.at(-1), [CKPT.length, CKPT.length]);
  assert.ok(calls.every(([l], i) => i === 0 || l >= calls[i - 1]![0]), 'increasing');
  assert.ok(calls.every(([, t]) => t === CKPT.length), 'the total all along');
  sameBytes(join(hub.cacheDir, 'tester--tiny', 'main', 'model.ckpt'), CKPT, 'the API\'s cache');

  const again: [number, number | undefined][] = [];
  const [, requests] = await logged(async () =>
    (await Vqgan.load('tester/tiny', { hub, threads: 1, onProgress: (l, t) => void again.push([l, t]) })).dispose()
  );
  assert.equal(requests, []);
  assert.ok(
    again.length > 0 && again.at(-1)![0] === again.at(-1)![1] && again.at(-1)![0] < CKPT.length,
    'tensor bytes read from the cached file',
  );
});

test('the byte progress bar: amounts, rate and time left on a terminal, throttled; nothing elsewhere', () => {
  assert.equal([0, 999, 1000, 18_386_410, 980_000_000, 999_960_000, 2.5e9].map(formatBytes), [
    '0 B',
    '999 B',
    '1.0 kB',
    '18.4 MB',
    '980.0 MB',
    '1.0 GB',
    '2.5 GB',
  ]);
  const writes: string[] = [];
  const times = [0, 50, 1000, 2000];
  const bar = ProgressBar.bytes(4_000_000, { isTTY: true, write: (t) => void writes.push(t) }, {
    from: 1_000_000,
    now: () => times.shift()!,
  });
  bar.set(1_100_000); // 50 ms after the start: not redrawn
  bar.set(2_000_000); // 1 s: 1 MB/s, 2 MB to go
  bar.set(4_000_000); // the end is always drawn
  bar.end();
  assert.equal(writes, [
    '\r[######..................] 1.0 MB/4.0 MB\x1b[K',
    '\r[############............] 2.0 MB/4.0 MB  1.0 MB/s  0:02 left\x1b[K',
    '\r[########################] 4.0 MB/4.0 MB  1.5 MB/s  0:00 left\x1b[K',
    '\n',
  ]);
  const unknown: string[] = [];
  const open = [0, 2000];
  const u = ProgressBar.bytes(undefined, { isTTY: true, write: (t) => void unknown.push(t) }, {
    now: () => open.shift()!,
  });
  u.set(3_000_000);
  assert.equal(unknown, ['\r0 B\x1b[K', '\r3.0 MB  1.5 MB/s\x1b[K']);
  const plain: string[] = [];
  const p = ProgressBar.bytes(10, { isTTY: false, write: (t) => void plain.push(t) });
  p.set(10);
  p.end();
  assert.equal(plain, []);
});

test('with the hub gone: cached models still work, uncached ones name the failed request', async () => {
  await stopServers();
  const out = join(dir, 'offline.json');
  ok('offline encode', await cli(['encode', PNG, '--weights', 'tester/tiny', '--threads', '1', '--out', out]));
  assert.equal(tokensOf(out), localTokens);
  const r = await cli(['fetch', 'tester/tiny']);
  ok('offline fetch', r);
  assert.match(r.stderr, `tester/tiny@main: already in ${folderOf('tester/tiny')} (model.ckpt, config.yaml)`);
  failed(
    'offline, uncached',
    await cli(['fetch', 'tester/elsewhere']),
    new RegExp(
      `tester/elsewhere model\\.ckpt: request to ${ENDPOINT}/tester/elsewhere/resolve/main/model\\.ckpt failed \\(ECONNREFUSED\\)`,
    ),
  );
});

test.run();
