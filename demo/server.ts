/**
 * `npm run demo`: a static file server for the demo page (and the browser tests) on
 * 127.0.0.1. It serves the repository: demo/index.html at `/`, the compiled modules under
 * /dist/, fixtures under /test/fixtures/. Responses carry the two headers that make a page
 * cross-origin isolated (COOP same-origin, COEP require-corp), without which a browser
 * refuses to share WebAssembly memory with workers; `--no-isolation` leaves them out to
 * show the one-thread fallback.
 *
 *   node dist/demo/server.js [--port N] [--no-isolation]
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The repository root: this file is dist/demo/server.js. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.wasm': 'application/wasm',
};

export interface ServerOptions {
  /** 0 picks a free port. */
  readonly port?: number;
  /** Send the cross-origin isolation headers (default true). */
  readonly isolated?: boolean;
  /** The folder served (default the repository) and the file served at `/` (default demo/index.html). */
  readonly root?: string;
  readonly index?: string;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:8080/ */
  readonly url: string;
  close(): Promise<void>;
}

/** The file under `root` that a request path names, or null when it would leave `root`. */
function fileFor(path: string, root: string, index: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.split('?')[0]!);
  } catch {
    return null;
  }
  const relative = normalize(decoded === '/' ? `/${index}` : decoded).replace(/^[/\\]+/, '');
  const file = join(root, relative);
  return file.startsWith(root) && !relative.split(sep).includes('..') ? file : null;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const isolation: Record<string, string> = options.isolated === false ? {} : {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
  };
  const root = options.root === undefined ? ROOT : join(options.root, sep);
  const index = options.index ?? 'demo/index.html';
  const server: Server = createServer(async (req, res) => {
    const file = fileFor(req.url ?? '/', root, index);
    const info = file === null ? null : await stat(file).catch(() => null);
    if (file === null || info === null || !info.isFile() || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(file === null ? 400 : 404, { 'Content-Type': 'text/plain', ...isolation }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': info.size,
      'Cache-Control': 'no-store',
      ...isolation,
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === normalize(process.argv[1]);
if (isMain) {
  const { values } = parseArgs({ options: { port: { type: 'string' }, 'no-isolation': { type: 'boolean' } } });
  const port = Number(values.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`demo: --port ${values.port}: expected a port number\n`);
    process.exit(1);
  }
  const { url } = await startServer({ port, isolated: values['no-isolation'] !== true });
  const how = values['no-isolation'] === true
    ? 'without cross-origin isolation (one thread)'
    : 'cross-origin isolated (threads on)';
  process.stdout.write(`vqgan demo: ${url} (${how}); Ctrl-C stops it\n`);
}
