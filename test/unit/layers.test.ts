/**
 * The source tree's layers, checked: every import in src/ goes to its own layer or one
 * below it, node: modules are imported only where Node is certain, and kernels/ mirrors
 * src/compute/reference/ file for file. The list below is the architecture the README
 * draws; a module that needs something from a layer above it is in the wrong place.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The layers of src/, lowest first; the folders of one layer may import each other. */
const LAYERS: readonly (readonly string[])[] = [
  ['core'], // tensor, token grid, errors, limits
  ['platform'], // what differs between Node, Deno and browsers: files, workers, fetch
  ['compute'], // the Backend, ops, decorators, the Winograd plan, reference/ and wasm/
  ['model'], // the VQGAN graph: wiring of ops only
  ['weights', 'hub', 'image', 'io'], // checkpoints, the model hub, pictures, token files
  ['api'], // the engine and the public Vqgan (src/index.ts is this layer too)
  ['bench'], // the benchmark the CLI runs
  ['entries'], // package entry points and worker entry points: install a platform
  ['cli'], // the command line
];

/** Folders whose modules may import node: built-ins: the rest run in browsers too. */
const NODE_ONLY = [
  'platform/node',
  'entries/install_node.ts',
  'entries/node.ts',
  'entries/engine_worker_node.ts',
  'entries/pool_worker_node.ts',
  'cli',
];

/** Files of kernels/ that are not a twin: the module's entry, and helpers below it. */
const KERNEL_ENTRY = 'index.ts';
/** Files of src/compute/reference/ that are not a twin: the backend that calls them. */
const REFERENCE_ONLY = ['backend.ts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(`${ROOT}${dir}`).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(`${ROOT}${path}`).isDirectory()) return sourceFiles(path);
    return /\.m?ts$/.test(name) && !name.endsWith('.d.ts') && !name.includes('.generated.') ? [path] : [];
  });
}

/** The layer index of a path under src/ (src/index.ts: the API's). */
function layerOf(path: string): number {
  const folder = /^src\/index\.[jt]s$/.test(path) ? 'api' : path.split('/')[1]!;
  const rank = LAYERS.findIndex((names) => names.includes(folder));
  if (rank < 0) throw new Error(`${path}: src/${folder} is in no layer of test/unit/layers.test.ts; add it to LAYERS`);
  return rank;
}

/** Every module specifier a file imports or re-exports, statically or dynamically. */
function importsOf(text: string): string[] {
  return [
    ...text.matchAll(/(?:^|[^.\w])(?:import|export)\s*(?:type\s+)?(?:[\w*{}\s,]*\sfrom\s*)?\(?\s*['"]([^'"]+)['"]/gm),
  ].map((m) => m[1]!);
}

test('every import in src/ goes to the same layer or one below', () => {
  const upward: string[] = [];
  for (const file of sourceFiles('src')) {
    for (const spec of importsOf(readFileSync(`${ROOT}${file}`, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      const [from, to] = [layerOf(file), layerOf(target)];
      if (to > from) upward.push(`${file} (${LAYERS[from]!.join('/')}) imports ${target} (${LAYERS[to]!.join('/')})`);
    }
  }
  assert.equal(upward, [], `imports from a higher layer:\n${upward.join('\n')}`);
});

test('node: modules are imported only by Node-only modules', () => {
  const offenders = sourceFiles('src')
    .filter((file) => !NODE_ONLY.some((allowed) => file.startsWith(`src/${allowed}`)))
    .filter((file) => importsOf(readFileSync(`${ROOT}${file}`, 'utf8')).some((spec) => spec.startsWith('node:')));
  assert.equal(offenders, [], `node: imports in modules that browsers load:\n${offenders.join('\n')}`);
});

test('kernels/ mirrors src/compute/reference/ file for file', () => {
  const top = (dir: string) => readdirSync(`${ROOT}${dir}`).filter((name) => name.endsWith('.ts'));
  const kernels = top('kernels').filter((name) => name !== KERNEL_ENTRY);
  const reference = top('src/compute/reference').filter((name) => !REFERENCE_ONLY.includes(name));
  assert.equal(
    kernels.sort(),
    reference.sort(),
    'each kernel file has a scalar twin of the same name, and each twin a kernel',
  );
});

test('the import check sees imports of every form', () => {
  const text =
    `import a from './a.js';\nimport type { B } from "../b.js";\nexport { c } from './c.js';\nimport './d.js';\nconst e = await import('./e.js');\nexport * from './f.js';`;
  assert.equal(importsOf(text), ['./a.js', '../b.js', './c.js', './d.js', './e.js', './f.js']);
});

test.run();
