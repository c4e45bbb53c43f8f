/**
 * Weights from the Hugging Face hub, against a local stand-in on 127.0.0.1 that serves
 * the tiny fixture in the hub's layout (`/{owner}/{name}/resolve/{revision}/{file}`):
 * large files as the hub serves LFS files (a 302 to a CDN with X-Linked-Etag and
 * X-Linked-Size), small ones directly with a git-sha1 ETag. The CLI runs in child
 * processes with HF_ENDPOINT and VQGAN_CACHE pointing at it and a temporary folder: a
 * fresh download, an interrupted one resumed, a server that ignores ranges, corrupt
 * bytes, 404s, the token, redirects, and the cache with the hub gone. Servers that stall
 * (before the headers, or after 1 kB), drip, reset or answer 503 are fetched in this
 * process with a short stall timeout and retry delay: each ends in a whole, checked
 * file or in the error that names the file, bytes, tries and cause, within a bound
 * (`within`), never a hang. Nothing leaves 127.0.0.1.
 */
import '../../src/entries/install_node.js';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Vqgan } from '../../src/api/vqgan.js';
import { fetchHubModel } from '../../src/hub/fetch_model.js';
import { formatHubId, parseHubId, withSubfolder } from '../../src/hub/hub_id.js';
import { hubSettings, type HubOptions } from '../../src/hub/settings.js';
import { cacheStorageStore } from '../../src/hub/store_cache_storage.js';
import type { DownloadObserver } from '../../src/hub/download.js';
import { terminalObserver } from '../../src/cli/hub_commands.js';
import { fetchBytes } from '../../src/platform/network.js';
import { hubIdOf } from '../../src/hub/resolve.js';
import { formatBytes } from '../../src/core/format_bytes.js';
import { ProgressBar } from '../../src/cli/progress_bar.js';
import { parseYamlSubset } from '../../src/weights/yaml.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { expectError } from '../helpers/errors.js';
import { stateDictCheckpoint } from '../helpers/make_checkpoint.js';
import { readCheckpoint } from '../../src/weights/checkpoint.js';
import { Tensor } from '../../src/core/tensor.js';
import { FIXTURES, GOLDEN, TINY, TINY_CKPT, TINY_SAFETENSORS } from '../helpers/golden.js';
import { platform } from '../../src/platform/platform.js';

const openFile = (path: string) => platform().files.openFile(path);

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
/** 64 kB of varied bytes: the weights of the flaky servers' models (their loading is not what is tested). */
const BLOB = Uint8Array.from({ length: 1 << 16 }, (_, i) => Math.imul(i, 2654435761) >>> 24);

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
  /** Headers and the first kB of what is asked, then nothing: on the first request, or on every one. */
  readonly stall?: 'once' | 'always';
  /** The first request gets no answer at all, not even headers. */
  readonly silentOnce?: boolean;
  /** The first N requests answer 503 (Infinity: all). */
  readonly busy?: number;
  /** The body in 1 kB chunks, one every 200 ms. */
  readonly drip?: boolean;
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
  'tester/stuck': { 'model.ckpt': { body: BLOB, lfs: 'cdn', stall: 'always' } },
  'tester/hiccup': { 'model.ckpt': { body: BLOB, lfs: 'cdn', stall: 'once' } },
  'tester/mute': { 'model.ckpt': { body: BLOB, lfs: 'cdn', silentOnce: true } },
  'tester/reset': { 'model.ckpt': { body: BLOB, lfs: 'cdn', cutOnce: true } },
  'tester/resetnorange': { 'model.ckpt': { body: BLOB, lfs: 'cdn', cutOnce: true, ignoreRange: true } },
  'tester/flaky': { 'model.ckpt': { body: BLOB, lfs: 'cdn', busy: 2 } },
  'tester/down': { 'model.ckpt': { body: BLOB, lfs: 'cdn', busy: Infinity } },
  'tester/drip': { 'model.ckpt': { body: BLOB.subarray(0, 6144), lfs: 'cdn', drip: true } },
  'tester/browser': { 'model.ckpt': { body: BLOB, lfs: 'relative', stall: 'once' } },
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
/** Requests so far for each path, for the servers that fail the first ones. */
const served = new Map<string, number>();

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
  const n = served.get(key) ?? 0;
  served.set(key, n + 1);
  if (file.silentOnce === true && n === 0) return 0; // no answer: the client's stall timeout ends it
  if (n < (file.busy ?? 0)) {
    res.writeHead(503, { 'Content-Type': 'text/plain', ...headers }).end('busy');
    return 503;
  }
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const ranged = range !== null && file.ignoreRange !== true;
  const start = ranged ? Number(range[1]) : 0;
  if (ranged && start >= size) {
    res.writeHead(416, { 'Content-Range': `bytes */${size}`, ...headers }).end();
    return 416;
  }
  if (ranged && range[2] !== '') body = body.subarray(0, Math.min(size, Number(range[2]) + 1)); // bytes=a-b
  const status = ranged ? 206 : 200;
  res.writeHead(status, {
    'Content-Length': body.length - start,
    ...(ranged ? { 'Content-Range': `bytes ${start}-${body.length - 1}/${size}` } : {}),
    'Content-Type': 'application/octet-stream',
    ...headers,
  });
  if (file.stall === 'always' || (file.stall === 'once' && n === 0)) {
    res.write(body.subarray(start, start + 1024)); // and nothing more, until the client gives up
    return status;
  }
  if (file.drip === true) {
    let at = start;
    const next = (): void => {
      const end = Math.min(size, at + 1024);
      res.write(body.subarray(at, end));
      at = end;
      if (at < size) setTimeout(next, 200);
      else res.end();
    };
    next();
    return status;
  }
  if (ranged) {
    res.end(body.subarray(start));
    return 206;
  }
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
  assert.equal(parseHubId('boris/vqgan_f16_16384'), {
    owner: 'boris',
    name: 'vqgan_f16_16384',
    revision: 'main',
    subfolder: '',
  });
  assert.equal(parseHubId('dalle-mini/vqgan_imagenet_f16_16384@v1.0'), {
    owner: 'dalle-mini',
    name: 'vqgan_imagenet_f16_16384',
    revision: 'v1.0',
    subfolder: '',
  });
  assert.equal(parseHubId('o/n@refs/pr/1')?.revision, 'refs/pr/1');
  // A folder of the repository, and one weights file in it.
  assert.equal(parseHubId('amused/amused-256/vqvae'), {
    owner: 'amused',
    name: 'amused-256',
    revision: 'main',
    subfolder: 'vqvae',
  });
  assert.equal(parseHubId('FoundationVision/LlamaGen/vq_ds8_c2i.pt@v2'), {
    owner: 'FoundationVision',
    name: 'LlamaGen',
    revision: 'v2',
    subfolder: '',
    file: 'vq_ds8_c2i.pt',
  });
  assert.equal(parseHubId('GAIR/Anole-7b-v0.1/tokenizer/vqgan.ckpt')?.subfolder, 'tokenizer');
  assert.is(
    formatHubId(parseHubId('GAIR/Anole-7b-v0.1/tokenizer/vqgan.ckpt@r1')!),
    'GAIR/Anole-7b-v0.1/tokenizer/vqgan.ckpt@r1',
  );
  assert.equal(withSubfolder(parseHubId('amused/amused-512')!, 'vqvae/'), parseHubId('amused/amused-512/vqvae'));
  assert.throws(() => withSubfolder(parseHubId('o/n')!, '../up'), /subfolder "\.\.\/up": expected folder names/);
  for (
    const bad of [
      'weights/model.ckpt',
      'photos/cat.png',
      'photos/2024/cat.png',
      'a/b/config.yaml/c',
      'a/b/../c',
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
    assert.equal(await hubIdOf('own/other'), { owner: 'own', name: 'other', revision: 'main', subfolder: '' });
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

test('a transfer cut halfway is tried again in the same run, resumed with a Range request, byte-identical', async () => {
  const folder = folderOf('tester/cut');
  const [r, requests] = await logged(() => cli(['fetch', 'tester/cut']));
  ok('cut, then resumed', r);
  const ranged = requests.filter((q) => q.path.includes('model.ckpt'));
  const have = Number(/^bytes=(\d+)-$/.exec(ranged[2]?.range ?? '')?.[1]);
  assert.ok(have > 0 && have < CKPT.length, `the retry asks from byte ${have}`);
  assert.equal(ranged.map((q) => `${q.server} ${q.range} ${q.status}`), [
    'hub undefined 302',
    'cdn undefined 200',
    `hub bytes=${have}- 302`,
    `cdn bytes=${have}- 206`,
  ]);
  assert.match(
    r.stderr,
    new RegExp(
      `tester/cut model\\.ckpt: connection reset by http://127\\.0\\.0\\.1:\\d+/cdn/tester/cut/model\\.ckpt \\(.+\\); retry 2/5 in 1 s\\n`,
    ),
  );
  assert.match(r.stderr, 'resuming at');
  sameBytes(`${folder}/model.ckpt`, CKPT, 'resumed model.ckpt');
  assert.equal(readdirSync(folder).sort(), ['config.yaml', 'model.ckpt']);
});

test('a server that ignores Range and answers 200: the retry starts over', async () => {
  const folder = folderOf('tester/norange');
  const [r, requests] = await logged(() => cli(['fetch', 'tester/norange']));
  ok('start over', r);
  const ckpt = requests.filter((q) => q.path.includes('model.ckpt'));
  const have = Number(/^bytes=(\d+)-$/.exec(ckpt[2]?.range ?? '')?.[1]);
  assert.equal(ckpt.map((q) => `${q.server} ${q.range} ${q.status}`), [
    'hub undefined 302',
    'cdn undefined 200',
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
      `vqgan: tester/empty: no weights file at ${ENDPOINT}/tester/empty \\(revision main\\); tried model\\.ckpt, flax_model\\.msgpack, model\\.safetensors, diffusion_pytorch_model\\.safetensors, vqgan\\.ckpt, last\\.ckpt, vq_ds16_c2i\\.pt, model\\.safetensors\\.index\\.json, pytorch_model\\.bin\\.index\\.json, pytorch_model\\.bin: HTTP 404 for each\\n`,
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
    /vqgan fetch .*tiny\.ckpt: not a hub id; expected OWNER\/NAME\[\/FOLDER\]\[\/FILE\]\[@REVISION\]/,
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

// ---- Stalls, resets and 5xx: tried again, in this process with short delays ----

/** A short stall timeout and retry delay: each flaky server's case takes well under a second or two. */
const FAST: HubOptions = {
  endpoint: ENDPOINT,
  cacheDir: join(dir, 'retry-cache'),
  token: '',
  downloadTimeout: 0.5,
  retryDelay: 0.01,
};
const retryFolder = (id: string): string => join(FAST.cacheDir!, id.replace('/', '--'), 'main');

/** `run`, failing the test (rather than hanging it) when it has not settled after `ms`. */
async function within<T>(ms: number, what: string, run: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still running after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([run(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The observer's retry and stall events, as text. */
function recorder(): { events: string[]; stalls: number[]; observer: DownloadObserver; } {
  const events: string[] = [];
  const stalls: number[] = [];
  const observer: DownloadObserver = {
    start: ({ resumeAt }) => void events.push(`start at ${resumeAt}`),
    retry: ({ cause, loaded, next, tries, delayMs }) =>
      void events.push(`retry ${next}/${tries} in ${delayMs} ms at ${loaded}: ${cause.replace(/:\d+\//, ':P/')}`),
    stalled: ({ ms }) => void stalls.push(ms),
    end: ({ outcome, bytes }) => void events.push(`end ${outcome} at ${bytes}`),
  };
  return { events, stalls, observer };
}

/** The model's weights through fetchHubModel with FAST (and `hub`), and the requests for them. */
async function fetchFlaky(id: string, observer?: DownloadObserver, hub: HubOptions = {}): Promise<[string, string[]]> {
  const [model, requests] = await logged(() =>
    within(5000, id, () => fetchHubModel(parseHubId(id)!, { hub: { ...FAST, ...hub }, observer }))
  );
  const weights = requests.filter((q) => q.path.includes('model.ckpt'));
  return [model.weights as string, weights.map((q) => `${q.server} ${q.range} ${q.status}`)];
}

test('a server that stalls after the headers and 1 kB, for good: the error names the file, bytes, tries and cause; the next run resumes', async () => {
  const { events, observer } = recorder();
  const [, requests] = await logged(() =>
    within(
      5000,
      'stuck',
      () =>
        expectError(
          () => fetchHubModel(parseHubId('tester/stuck')!, { hub: { ...FAST, downloadTries: 3 }, observer }),
          'NETWORK',
          new RegExp(
            `^tester/stuck model\\.ckpt: no data for 0\\.5 s from http://127\\.0\\.0\\.1:\\d+/cdn/tester/stuck/model\\.ckpt; gave up after 3 tries, 3072 of 65536 bytes received \\(run again to resume\\)$`,
          ),
        ),
    )
  );
  assert.equal(requests.map((q) => `${q.server} ${q.range} ${q.status}`), [
    'hub undefined 302',
    'cdn undefined 200',
    'hub bytes=1024- 302',
    'cdn bytes=1024- 206',
    'hub bytes=2048- 302',
    'cdn bytes=2048- 206',
  ]);
  const cause = 'no data for 0.5 s from http://127.0.0.1:P/cdn/tester/stuck/model.ckpt';
  assert.equal(events, [
    'start at 0',
    `retry 2/3 in 10 ms at 1024: ${cause}`,
    'start at 1024',
    `retry 3/3 in 20 ms at 2048: ${cause}`,
    'start at 2048',
    'end stopped at 3072',
  ]);
  const partial = join(retryFolder('tester/stuck'), 'model.ckpt.partial');
  sameBytes(partial, BLOB.subarray(0, 3072), 'the partial file');
  // The server mended: the next fetch resumes from the partial file's 3 kB and checks the sha256.
  (REPOS['tester/stuck']!['model.ckpt'] as { stall?: string; }).stall = undefined;
  const [weights, again] = await fetchFlaky('tester/stuck');
  assert.equal(again, ['hub bytes=3072- 302', 'cdn bytes=3072- 206']);
  sameBytes(weights, BLOB, 'model.ckpt');
});

test('a stall once, after 1 kB: the retry resumes with Range and the file is whole and checked', async () => {
  const { events, stalls, observer } = recorder();
  const [weights, requests] = await fetchFlaky('tester/hiccup', observer);
  assert.equal(requests, ['hub undefined 302', 'cdn undefined 200', 'hub bytes=1024- 302', 'cdn bytes=1024- 206']);
  assert.equal(events, [
    'start at 0',
    'retry 2/5 in 10 ms at 1024: no data for 0.5 s from http://127.0.0.1:P/cdn/tester/hiccup/model.ckpt',
    'start at 1024',
    'end done at 65536',
  ]);
  // From half the timeout on, the observer hears of the silence, before the try is given up.
  assert.ok(stalls.length > 0 && stalls.every((ms) => ms >= 200 && ms < 500), `stall events at ${stalls} ms`);
  sameBytes(weights, BLOB, 'model.ckpt');
  assert.equal(readdirSync(retryFolder('tester/hiccup')), ['model.ckpt']);
});

test('no headers at all: the request is given up after the stall timeout and made again', async () => {
  const [weights, requests] = await fetchFlaky('tester/mute');
  assert.equal(requests, ['hub undefined 302', 'cdn undefined 0', 'hub undefined 302', 'cdn undefined 200']);
  sameBytes(weights, BLOB, 'model.ckpt');
});

test('a connection reset mid-body: the retry resumes (or starts over where the range is ignored)', async () => {
  const { events, observer } = recorder();
  const [weights, requests] = await fetchFlaky('tester/reset', observer);
  const have = Number(/^bytes=(\d+)-$/.exec(requests[2]!.split(' ')[1]!)?.[1]);
  assert.ok(have > 0 && have < BLOB.length, `resumed at ${have}`);
  assert.equal(requests, [
    'hub undefined 302',
    'cdn undefined 200',
    `hub bytes=${have}- 302`,
    `cdn bytes=${have}- 206`,
  ]);
  assert.match(
    events[1]!,
    /^retry 2\/5 in 10 ms at \d+: connection reset by http:\/\/127\.0\.0\.1:P\/cdn\/tester\/reset\/model\.ckpt \(.+\)$/,
  );
  sameBytes(weights, BLOB, 'model.ckpt');
  const [restarted, norange] = await fetchFlaky('tester/resetnorange');
  assert.equal(norange.map((r) => r.replace(/=\d+-/, '=N-')), [
    'hub undefined 302',
    'cdn undefined 200',
    'hub bytes=N- 302',
    'cdn bytes=N- 200',
  ]);
  sameBytes(restarted, BLOB, 'model.ckpt started over');
});

test('HTTP 503 twice, then 200: tried a third time; 503 for good: the error after the last try', async () => {
  const { events, observer } = recorder();
  const [weights, requests] = await fetchFlaky('tester/flaky', observer);
  assert.equal(requests, [
    'hub undefined 302',
    'cdn undefined 503',
    'hub undefined 302',
    'cdn undefined 503',
    'hub undefined 302',
    'cdn undefined 200',
  ]);
  assert.equal(events.slice(0, 2), [
    'retry 2/5 in 10 ms at 0: HTTP 503 Service Unavailable from http://127.0.0.1:P/cdn/tester/flaky/model.ckpt',
    'retry 3/5 in 20 ms at 0: HTTP 503 Service Unavailable from http://127.0.0.1:P/cdn/tester/flaky/model.ckpt',
  ]);
  sameBytes(weights, BLOB, 'model.ckpt');

  const [, down] = await logged(() =>
    within(5000, 'down', () =>
      expectError(
        () => fetchHubModel(parseHubId('tester/down')!, { hub: { ...FAST, downloadTries: 4 } }),
        'NETWORK',
        new RegExp(
          `^tester/down model\\.ckpt: HTTP 503 Service Unavailable from http://127\\.0\\.0\\.1:\\d+/cdn/tester/down/model\\.ckpt; gave up after 4 tries, 0 bytes received$`,
        ),
      ))
  );
  assert.is(down.filter((q) => q.status === 503).length, 4, 'four tries');
  assert.not.ok(existsSync(join(retryFolder('tester/down'), 'model.ckpt')));
});

test('4xx other than 408 and 429 is not tried again', async () => {
  const [, requests] = await logged(() =>
    expectError(() => fetchHubModel(parseHubId('tester/private')!, { hub: FAST }), 'ACCESS_DENIED', /HTTP 401/)
  );
  assert.equal(requests.map((q) => q.status), [401]);
});

test('slow is not stalled: 1 kB every 200 ms with a 1 s stall timeout comes whole in one try', async () => {
  const { events, observer } = recorder();
  const [weights, requests] = await fetchFlaky('tester/drip', observer, { downloadTimeout: 1 });
  assert.equal(requests, ['hub undefined 302', 'cdn undefined 200']);
  assert.equal(events, ['start at 0', 'end done at 6144']);
  sameBytes(weights, BLOB.subarray(0, 6144), 'model.ckpt');
});

test('the browsers\' Cache Storage store and URL weights: the same retries through fetchBytes', async () => {
  const settings = await hubSettings(FAST);
  const { events, observer } = recorder();
  const store = cacheStorageStore({ id: parseHubId('tester/browser')!, settings, observer });
  const [fetched, requests] = await logged(() => within(5000, 'browser', () => store.fetch('model.ckpt')));
  const file = await fetched!.commit();
  assert.ok('bytes' in file && Buffer.compare(file.bytes, BLOB) === 0, 'the bytes, whole');
  // fetch follows the redirect itself; the retry asks the hub again with the range.
  assert.equal(requests.map((q) => `${q.server} ${q.range} ${q.status}`), [
    'hub undefined 302',
    'hub undefined 200',
    'hub bytes=1024- 302',
    'hub bytes=1024- 206',
  ]);
  assert.equal(events, [
    `retry 2/5 in 10 ms at 1024: no data for 0.5 s from ${
      ENDPOINT.replace(/:\d+$/, ':P')
    }/tester/browser/resolve/main/model.ckpt`,
  ]);
  assert.is(await store.fetch('config.json'), undefined, 'a 404 is the hub\'s "no such file"');
  // A URL's weights: the same function; a server that ignores the range after a reset starts over.
  const url = `${urls.cdn}cdn/tester/resetnorange/model.ckpt`;
  served.delete('/cdn/tester/resetnorange/model.ckpt');
  cut.delete('/cdn/tester/resetnorange/model.ckpt');
  const bytes = await within(5000, 'url', () => fetchBytes(url, { policy: settings.download }));
  assert.ok(Buffer.compare(bytes, BLOB) === 0, 'the URL\'s bytes, whole');
  await within(5000, 'down url', () =>
    expectError(
      () => fetchBytes(`${urls.cdn}cdn/tester/down/model.ckpt`, { policy: { ...settings.download, tries: 2 } }),
      'NETWORK',
      /cdn\/tester\/down\/model\.ckpt; gave up after 2 tries, 0 bytes received$/,
    ));
});

test('refused on the first try: final at once; refused after a server answered: tried again', async () => {
  // A server that sends 1 kB, drops the connection and goes away: the retries meet ECONNREFUSED.
  const gone = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Length': BLOB.length }).write(BLOB.subarray(0, 1024), () => {
      res.destroy();
      gone.close();
    });
  });
  const base = await listen(gone);
  const policy = { stallMs: 500, tries: 3, backoffMs: 10 };
  const { events, observer } = recorder();
  await within(5000, 'gone', () =>
    expectError(
      () => fetchBytes(`${base}w/model.ckpt?sig=secret`, { policy, observer }),
      'NETWORK',
      new RegExp(
        `^model\\.ckpt: request to ${base}w/model\\.ckpt failed \\(ECONNREFUSED\\); gave up after 3 tries, 1024 of 65536 bytes received$`,
      ),
    ));
  assert.equal(events.map((e) => e.replace(/ at \d+: .*? \(.*\)$/, '')), ['retry 2/3 in 10 ms', 'retry 3/3 in 20 ms']);
  await expectError(
    () => within(5000, 'refused', () => fetchBytes(`${base}w/model.ckpt`, { policy, observer })),
    'NETWORK',
    new RegExp(`^model\\.ckpt: request to ${base}w/model\\.ckpt failed \\(ECONNREFUSED\\)$`),
  );
  assert.is(events.length, 2, 'no retry for a server that never answered');
});

test('VQGAN_DOWNLOAD_TIMEOUT and the hub options: read, and checked', async () => {
  const saved = process.env.VQGAN_DOWNLOAD_TIMEOUT;
  try {
    delete process.env.VQGAN_DOWNLOAD_TIMEOUT;
    assert.equal((await hubSettings()).download, { stallMs: 10_000, tries: 5, backoffMs: 1000 }, 'defaults');
    process.env.VQGAN_DOWNLOAD_TIMEOUT = '2.5';
    assert.is((await hubSettings()).download.stallMs, 2500);
    assert.is((await hubSettings({ downloadTimeout: 4 })).download.stallMs, 4000, 'the option wins');
    for (const bad of ['abc', '0', '-1', '10s', 'Infinity', '1e999']) {
      process.env.VQGAN_DOWNLOAD_TIMEOUT = bad;
      await expectError(
        () => hubSettings(),
        'BAD_ARGUMENT',
        `VQGAN_DOWNLOAD_TIMEOUT=${bad}: expected a number of seconds above 0`,
      );
    }
  } finally {
    if (saved === undefined) delete process.env.VQGAN_DOWNLOAD_TIMEOUT;
    else process.env.VQGAN_DOWNLOAD_TIMEOUT = saved;
  }
  await expectError(
    () => hubSettings({ downloadTimeout: -1 }),
    'BAD_ARGUMENT',
    'downloadTimeout -1: expected a number of seconds above 0',
  );
  await expectError(
    () => hubSettings({ downloadTries: 1.5 }),
    'BAD_ARGUMENT',
    'downloadTries 1.5: expected a whole number above 0',
  );
  await expectError(() => hubSettings({ retryDelay: 0 }), 'BAD_ARGUMENT', 'retryDelay 0');
  const [r, requests] = await logged(() => cli(['fetch', 'tester/tiny@v9'], { VQGAN_DOWNLOAD_TIMEOUT: 'soon' }));
  failed('bad variable', r, /^vqgan: VQGAN_DOWNLOAD_TIMEOUT=soon: expected a number of seconds above 0\n$/);
  assert.equal(requests, [], 'checked before any request');
});

test('the CLI\'s display: "stalled 4 s" on the bar, a line for each retry', () => {
  const writes: string[] = [];
  const times = [0, 1000, 5000, 5200];
  const bar = ProgressBar.bytes(4_000_000, { isTTY: true, write: (t) => void writes.push(t) }, {
    now: () => times.shift()!,
  });
  bar.set(1_000_000);
  bar.stalled(4200);
  bar.set(2_000_000);
  assert.equal(writes, [
    '\r[........................] 0 B/4.0 MB\x1b[K',
    '\r[######..................] 1.0 MB/4.0 MB  1.0 MB/s  0:03 left\x1b[K',
    '\r[######..................] 1.0 MB/4.0 MB  200.0 kB/s  stalled 4 s\x1b[K',
    '\r[############............] 2.0 MB/4.0 MB  384.6 kB/s  0:05 left\x1b[K',
  ]);
  const lines: string[] = [];
  const observer = terminalObserver({ isTTY: false, write: (t) => void lines.push(t) });
  observer.stalled?.({ label: 'o/n model.ckpt', ms: 3000 });
  observer.retry?.({
    label: 'o/n model.ckpt',
    cause: 'no data for 10 s from https://cdn/x',
    loaded: 1024,
    total: 4096,
    next: 2,
    tries: 5,
    delayMs: 1000,
  });
  assert.equal(lines, ['o/n model.ckpt: no data for 10 s from https://cdn/x; retry 2/5 in 1 s\n']);
});

// ---- The family's layouts on the hub ----

const AMUSED = `${FIXTURES}family/diffusers-amused/vqvae/`;
REPOS['tester/amused'] = {
  'vqvae/config.json': { body: readFileSync(`${AMUSED}config.json`, 'utf8') },
  'vqvae/diffusion_pytorch_model.safetensors': {
    body: new Uint8Array(readFileSync(`${AMUSED}diffusion_pytorch_model.safetensors`)),
    lfs: 'cdn',
  },
};

test('a model in a folder of its repository: the id names it (owner/name/vqvae), or the subfolder option', async () => {
  const r = await cli(['fetch', 'tester/amused/vqvae']);
  ok('fetch', r);
  const folder = join(folderOf('tester/amused'), 'vqvae');
  assert.equal(r.stdout, `${folder}/diffusion_pytorch_model.safetensors\n${folder}/config.json\n`);
  const hub = { endpoint: ENDPOINT, cacheDir: join(dir, 'amused-cache'), token: '' };
  const [remote, local] = await Promise.all([
    Vqgan.load('tester/amused', { hub, subfolder: 'vqvae', threads: 1 }),
    Vqgan.load(AMUSED, { threads: 1 }),
  ]);
  try {
    assert.equal(remote.config, local.config);
  } finally {
    remote.dispose();
    local.dispose();
  }
  await expectError(
    () => Vqgan.load(AMUSED, { subfolder: 'vqvae' }),
    'BAD_ARGUMENT',
    'subfolder "vqvae": applies to hub ids only',
  );
});

// Janus-Pro-7B's layout: the tokenizer (LlamaGen's names under gen_vision_model.) split over
// two torch.save shards, each beside 16 MB of the language model's weights.
const LLAMAGEN_PT = `${FIXTURES}family/llamagen-vq16/vq_ds16_c2i.pt`;
const llamagen = (await readCheckpoint(await openFile(LLAMAGEN_PT))).tensors;
const FILLER = 4 << 20; // float32 values: 16 MB
const janusShards = [new Map<string, Tensor>(), new Map<string, Tensor>()];
janusShards[0]!.set('language_model.model.embed_tokens.weight', new Tensor([FILLER / 1024, 1024]));
[...llamagen].forEach(([k, t], i) => janusShards[i < llamagen.size / 2 ? 0 : 1]!.set(`gen_vision_model.${k}`, t));
janusShards[1]!.set('language_model.lm_head.weight', new Tensor([FILLER / 1024, 1024]));
const janusFiles: Record<string, HubFile> = {
  'config.json': {
    body: JSON.stringify({ gen_vision_config: { cls: 'VQ-16', params: { image_token_size: 1024, n_embed: 8 } } }),
  },
};
const weightMap: Record<string, string> = {};
janusShards.forEach((shard, i) => {
  const name = `pytorch_model-0000${i + 1}-of-00002.bin`;
  janusFiles[name] = { body: stateDictCheckpoint(shard), lfs: 'cdn' };
  for (const k of shard.keys()) weightMap[k] = name;
});
janusFiles['pytorch_model.bin.index.json'] = { body: JSON.stringify({ metadata: {}, weight_map: weightMap }) };
REPOS['tester/janus'] = janusFiles;
REPOS['tester/janus-norange'] = Object.fromEntries(
  Object.entries(janusFiles).map(([name, file]) => [name, { ...file, ignoreRange: true }]),
);

test('a whole multimodal model (Janus): the index, then only byte ranges of the shards that hold its tokenizer', async () => {
  const [r, requests] = await logged(() => cli(['fetch', 'tester/janus']));
  ok('fetch', r);
  const folder = folderOf('tester/janus');
  assert.equal(r.stdout, `${folder}/tokenizer.safetensors\n${folder}/config.json\n`);
  const shardBytes = (name: string) => (janusFiles[name]!.body as Uint8Array).length;
  const shardRequests = requests.filter((q) => q.server === 'cdn');
  assert.ok(shardRequests.length > 0, 'the shards were read');
  let fetched = 0;
  for (const q of shardRequests) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(q.range ?? '');
    assert.ok(m !== null, `${q.path}: a byte range (got ${q.range})`);
    const size = shardBytes(q.path.replace(/^\/cdn\/tester\/janus\//, '').replace(/\?.*$/, ''));
    fetched += Math.min(Number(m[2]), size - 1) - Number(m[1]) + 1;
  }
  const total = shardBytes('pytorch_model-00001-of-00002.bin') + shardBytes('pytorch_model-00002-of-00002.bin');
  assert.ok(fetched < total - 1.5 * 4 * FILLER, `fetched ${fetched} of the shards' ${total} bytes`);
  console.log(
    `  janus: ${shardRequests.length} range requests, ${formatBytes(fetched)} of the shards' ${formatBytes(total)}`,
  );

  const hub = { endpoint: ENDPOINT, cacheDir: cache, token: '' };
  const [janus, pt] = await Promise.all([
    Vqgan.load('tester/janus', { hub, threads: 1 }),
    Vqgan.load(LLAMAGEN_PT, { threads: 1 }),
  ]);
  try {
    assert.is(janus.config.resolution, 384, 'Janus\'s config.json: 384×384 images');
    const input = new Tensor([3, 32, 32], Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.sin(i) * 0.9));
    const [a, b] = await Promise.all([janus.encode(input), pt.encode(input)]);
    assert.equal([...a.tokens], [...b.tokens], 'the .pt\'s tokens');
  } finally {
    janus.dispose();
    pt.dispose();
  }
  failed(
    'a server without ranges',
    await cli(['fetch', 'tester/janus-norange']),
    /tester\/janus-norange pytorch_model-00001-of-00002\.bin: the server does not answer byte ranges, so the image tokenizer cannot be fetched without the whole model/,
  );
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
