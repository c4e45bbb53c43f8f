/**
 * `npm run bench:anchors` (after bench/anchors/setup.sh): vqgan-wasm against what users
 * would otherwise run, on the same full-size weights, one engine after another:
 *   vqgan-wasm in Node, Deno and headless Chromium, and its fast mode (Winograd) in Node
 *   and Chromium; ONNX Runtime Web (WASM SIMD, threads) in Chromium; ONNX Runtime for
 *   Node (native CPU); PyTorch on the CPU (Debian's).
 * PyTorch first checks its model (bench/anchors/torch_vqgan.py, written from the spec)
 * against the golden fixtures, then exports the ONNX graphs from the same weights. Writes
 * the tables into bench/RESULTS.md and bench/anchors.json.
 *
 *   node dist/bench/anchors/run.js [--sizes 256,512] [--threads 1,2] [--repeat 5]
 *     [--weights FILE]
 *     [--engines wasm-node,wasm-node-fast,wasm-deno,wasm-chromium,wasm-chromium-fast,ort-web,ort-node,pytorch]
 */
import '../../src/entries/install_node.js';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchResult } from '../../src/bench/bench.js';
import { denoPath } from '../../test/helpers/deno_path.js';
import { ortWebInChromium, wasmInChromium } from './browser_engines.js';
import { inputsFor, weightsFile } from './inputs.js';
import {
  markdown,
  rowOfBench,
  rowOfRun,
  withBlock,
  type AnchorsReport,
  type EngineRun,
  type Row,
  type SizeResults,
} from './report.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DIST = join(ROOT, 'dist/bench/anchors');
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3'; // Debian's, with python3-torch
const TORCH_SCRIPT = join(ROOT, 'bench/anchors/torch_vqgan.py');
const ENGINES = [
  'wasm-node',
  'wasm-node-fast',
  'wasm-deno',
  'wasm-chromium',
  'wasm-chromium-fast',
  'ort-web',
  'ort-node',
  'pytorch',
] as const;

const say = (line: string): void => void process.stderr.write(`${line}\n`);

/** Runs a command, its stderr shown as it goes; resolves with its stdout. */
function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on(
      'close',
      (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))),
    );
  });
}

const jsonLines = <T>(text: string): T[] =>
  text.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as T);

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '256,512' },
    threads: { type: 'string' },
    repeat: { type: 'string', default: '5' },
    weights: { type: 'string' },
    engines: { type: 'string', default: ENGINES.join(',') },
  },
});
const sizes = values.sizes.split(',').map(Number);
const cores = availableParallelism();
// 1 and 2 threads, and every core where the machine has more.
const threadCounts = values.threads?.split(',').map(Number)
  ?? [...new Set([1, 2, cores])].filter((t) => t <= Math.max(2, cores));
const repeat = Number(values.repeat);
const engines = values.engines.split(',');
for (const e of engines) {
  if (!(ENGINES as readonly string[]).includes(e)) {
    throw new Error(`--engines: unknown engine ${e} (${ENGINES.join(', ')})`);
  }
}
if (
  sizes.some((s) => !Number.isInteger(s) || s <= 0 || s % 16 !== 0)
  || threadCounts.some((t) => !Number.isInteger(t) || t < 1) || !(repeat >= 1)
) {
  throw new Error('--sizes: multiples of 16; --threads: positive integers; --repeat: 1 or more');
}

const synthetic = values.weights === undefined;
// A folder per weights: the converted weights, inputs and ONNX graphs made from them.
const DIR = join(
  ROOT,
  'build/anchors',
  synthetic ? 'synthetic_seed1' : basename(values.weights!).replace(/[^\w.-]/g, '_'),
);
const { file: weights, config } = await weightsFile(DIR, values.weights);
say(`weights: ${weights}`);
const versions: Record<string, string> = { Node: process.versions.node };
if (engines.some((e) => e === 'pytorch' || e.startsWith('ort'))) {
  say('PyTorch model against the golden fixtures:');
  await run(PYTHON, [TORCH_SCRIPT, 'check', '--fixtures', join(ROOT, 'test/fixtures/tiny')]);
}

const results: SizeResults[] = [];
for (const size of sizes) {
  say(`\n== ${size}×${size} ==`);
  const inputs = inputsFor(DIR, weights, size, size, config.n_embed);
  const onnx = join(DIR, `encoder_${size}x${size}.onnx`);
  if (
    engines.some((e) => e.startsWith('ort'))
    && (!existsSync(onnx) || statSync(onnx).mtimeMs < statSync(weights).mtimeMs)
  ) {
    say('exporting the ONNX graphs from the same weights (PyTorch)');
    await run(PYTHON, [
      TORCH_SCRIPT,
      'export',
      '--weights',
      weights,
      '--size',
      String(size),
      String(size),
      '--out',
      DIR,
    ]);
  }
  const wasmArgs = (
    mode: string,
  ): string[] => [String(size), threadCounts.join(','), String(repeat), mode, ...(synthetic ? [] : [weights])];
  const rows: Row[] = [];
  let ours: BenchResult[] | undefined;
  let fast: BenchResult[] | undefined;
  const reference = (): readonly number[] => {
    if (ours === undefined) {
      throw new Error('vqgan-wasm (Node) runs first: the other engines are checked against its tokens');
    }
    return ours[0]!.tokens;
  };
  for (const engine of engines) {
    say(`-- ${engine}`);
    const mode = engine.endsWith('-fast') ? 'fast' : 'exact';
    const label = (runtime: string): string => `vqgan-wasm${mode === 'fast' ? ' fast' : ''} (${runtime})`;
    if (engine === 'wasm-node' || engine === 'wasm-node-fast' || engine === 'wasm-deno') {
      const command = engine === 'wasm-deno'
        ? [process.execPath, [denoPath(), 'run', '-A', join(DIST, 'engine_wasm.js'), ...wasmArgs(mode)]] as const
        : [process.execPath, [join(DIST, 'engine_wasm.js'), ...wasmArgs(mode)]] as const;
      const found = jsonLines<BenchResult>(await run(command[0], command[1]));
      if (engine === 'wasm-node') ours = found;
      if (engine === 'wasm-node-fast') fast = found;
      for (const r of found) rows.push(rowOfBench(label(r.runtime), r, reference()));
      if (engine === 'wasm-deno') versions.Deno = found[0]!.runtime.replace('Deno ', '');
    } else if (engine === 'wasm-chromium' || engine === 'wasm-chromium-fast') {
      const { results: found, version } = await wasmInChromium(
        size,
        threadCounts,
        repeat,
        mode,
        synthetic ? undefined : `/${relative(ROOT, weights)}`,
      );
      versions.Chromium = version;
      for (const r of found) rows.push(rowOfBench(label(`Chromium ${version}`), r, reference()));
    } else if (engine === 'ort-web') {
      for (const t of threadCounts) {
        rows.push(rowOfRun(await ortWebInChromium(`/${relative(ROOT, DIR)}/`, size, t, repeat), reference()));
      }
    } else if (engine === 'ort-node') {
      const found = jsonLines<EngineRun>(
        await run(process.execPath, [
          join(DIST, 'engine_ort_node.js'),
          DIR,
          String(size),
          threadCounts.join(','),
          String(repeat),
        ]),
      );
      for (const r of found) rows.push(rowOfRun(r, reference()));
    } else {
      for (const t of threadCounts) {
        const [found] = jsonLines<EngineRun>(
          await run(PYTHON, [
            TORCH_SCRIPT,
            'time',
            '--weights',
            weights,
            '--image',
            inputs.image,
            '--tokens',
            inputs.tokens,
            '--threads',
            String(t),
            '--repeat',
            String(repeat),
          ]),
        );
        rows.push(rowOfRun(found!, reference()));
      }
    }
    for (const r of rows.slice(-threadCounts.length)) {
      say(
        `   ${r.engine}, ${r.threads} thread(s): encode ${r.encode.min_s.toFixed(3)} s, decode ${
          r.decode.min_s.toFixed(3)
        } s (min); tokens ${r.tokens_equal}/${r.tokens_total} equal to vqgan-wasm's`,
      );
    }
  }
  const roofline = (r: BenchResult | undefined) => ({
    threads: r?.threads ?? 0,
    peak_gflops: r?.peak_gflops ?? 0,
    ops: r?.ops ?? [],
  });
  results.push({
    size: `${size}x${size}`,
    rows,
    roofline: roofline(ours?.at(-1)),
    ...(fast === undefined ? {} : { fastRoofline: roofline(fast.at(-1)) }),
  });
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const report: AnchorsReport = {
  date: new Date().toISOString().slice(0, 10),
  command: `npm run bench:anchors${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  machine: `${cpu}, ${cores} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`,
  versions,
  weights: synthetic ? 'synthetic f16_16384 (seed 1)' : values.weights!,
  repeat,
  sizes: results,
};
const resultsMd = join(ROOT, 'bench/RESULTS.md');
writeFileSync(resultsMd, withBlock(readFileSync(resultsMd, 'utf8'), markdown(report)));
writeFileSync(join(ROOT, 'bench/anchors.json'), `${JSON.stringify(report, null, 1)}\n`);
say(`\nwrote bench/RESULTS.md (the anchors block) and bench/anchors.json`);
