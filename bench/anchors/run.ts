/**
 * `npm run bench:anchors` (after bench/anchors/setup.sh): vqgan-wasm against what users
 * would otherwise run, on the same full-size weights, one engine after another:
 *   vqgan-wasm in Node, Deno and headless Chromium, and its fast mode (Winograd) in Node
 *   and Chromium; ONNX Runtime Web (WASM SIMD, threads) in Chromium; ONNX Runtime for
 *   Node (native CPU); PyTorch on the CPU (Debian's).
 * Each configuration of --model (released configurations by name, seeded synthetic
 * weights; or --weights FILE) runs at its native size unless --sizes says otherwise.
 * PyTorch first checks its model (bench/anchors/torch_vqgan.py, written from the spec)
 * against the golden fixtures (test/fixtures/tiny, and the family fixture of each
 * configuration that has one, its weights converted to safetensors as `vqgan convert`
 * does), then exports the ONNX graphs from the same weights. Writes one section per
 * configuration into bench/anchors.json (keeping the other configurations' sections)
 * and, from it, the anchors block of bench/RESULTS.md.
 *
 *   node dist/bench/anchors/run.js [--model f16_16384,chameleon,llamagen-vq16 | --weights FILE]
 *     [--sizes 256,512] [--threads 1,2] [--repeat 5]
 *     [--engines wasm-node,wasm-node-fast,wasm-deno,wasm-chromium,wasm-chromium-fast,ort-web,ort-node,pytorch]
 */
import '../../src/entries/install_node.js';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchResult } from '../../src/bench/bench.js';
import { downFactor, type VqganConfig } from '../../src/model/config.js';
import { releasedConfig, type ReleasedConfigName } from '../../src/model/released_configs.js';
import { denoPath } from '../../test/helpers/deno_path.js';
import { ortWebInChromium, wasmInChromium } from './browser_engines.js';
import { convertedWeightsFile, inputsFor, syntheticWeightsFile } from './inputs.js';
import {
  markdown,
  mergeReports,
  parseReport,
  rowOfBench,
  rowOfRun,
  withBlock,
  type ConfigResults,
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
/** The family fixture (test/fixtures/family/<layout>) that checks the PyTorch model of a configuration's kind. */
const FAMILY_FIXTURES: Partial<Record<ReleasedConfigName, string>> = {
  chameleon: 'chameleon',
  'llamagen-vq16': 'llamagen-vq16',
  'ldm-vq-f4-noattn': 'ldm-vq-f4-noattn',
  'gumbel-f8': 'gumbel-f8',
  amused: 'diffusers-amused',
};

const say = (line: string): void => void process.stderr.write(`${line}\n`);

/** A misuse of the command line: one line on stderr, exit code 2, no stack trace. */
function usage(message: string): never {
  say(`bench:anchors: ${message}`);
  process.exit(2);
}

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
    model: { type: 'string' },
    sizes: { type: 'string' },
    threads: { type: 'string' },
    repeat: { type: 'string', default: '5' },
    weights: { type: 'string' },
    engines: { type: 'string', default: ENGINES.join(',') },
  },
});
if (values.model !== undefined && values.weights !== undefined) {
  usage('--model and --weights are exclusive: --model runs synthetic weights of released configurations');
}
const sizeList = values.sizes?.split(',').map(Number);
const cores = availableParallelism();
// 1 and 2 threads, and every core where the machine has more.
const threadCounts = values.threads?.split(',').map(Number)
  ?? [...new Set([1, 2, cores])].filter((t) => t <= Math.max(2, cores));
const repeat = Number(values.repeat);
const given = values.engines.split(',');
for (const e of given) {
  if (!(ENGINES as readonly string[]).includes(e)) usage(`--engines: unknown engine '${e}'; use ${ENGINES.join(', ')}`);
}
/**
 * The other engines' tokens are checked against a vqgan-wasm engine's: the first one
 * given runs first; with none given, wasm-node is added for it.
 */
const tokenReference = given.find((e) => e.startsWith('wasm-'));
if (tokenReference === undefined) say('--engines names no vqgan-wasm engine: wasm-node runs first, for the tokens');
const engines = [...new Set([tokenReference ?? 'wasm-node', ...given])];
if (threadCounts.some((t) => !Number.isInteger(t) || t < 1) || !(repeat >= 1)) {
  usage('--threads: positive integers; --repeat: 1 or more');
}
const torchNeeded = engines.some((e) => e === 'pytorch' || e.startsWith('ort'));

/** One configuration to run: its weights as safetensors in its own folder under build/anchors/. */
interface Target {
  /** The RELEASED_CONFIGS name, or the weights file's name. */
  readonly key: string;
  readonly about: string;
  readonly weightsLabel: string;
  /** The released configuration of the synthetic weights; undefined for --weights. */
  readonly model?: ReleasedConfigName;
  readonly dir: string;
  readonly file: string;
  readonly config: VqganConfig;
  readonly sizes: readonly number[];
}

function sizesFor(key: string, config: VqganConfig): number[] {
  const sizes = sizeList ?? [config.resolution];
  const f = downFactor(config);
  if (sizes.some((s) => !Number.isInteger(s) || s <= 0 || s % f !== 0)) {
    usage(`--sizes ${sizes.join(',')}: ${key} takes multiples of ${f}, its downsampling factor`);
  }
  return sizes;
}

async function targets(): Promise<Target[]> {
  if (values.weights !== undefined) {
    const key = basename(values.weights);
    const dir = join(ROOT, 'build/anchors', key.replace(/[^\w.-]/g, '_'));
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'weights.safetensors');
    const config = await convertedWeightsFile(values.weights, file);
    const about = `weights file, configuration ${JSON.stringify(config)}`;
    return [{ key, about, weightsLabel: values.weights, dir, file, config, sizes: sizesFor(key, config) }];
  }
  return (values.model ?? 'f16_16384').split(',').map((name) => {
    const { name: model, family, config } = releasedConfig(name, '--model');
    const dir = join(ROOT, 'build/anchors', `synthetic_${model}_seed1`);
    return {
      key: model,
      about: family,
      weightsLabel: `synthetic ${model} (seed 1)`,
      model,
      dir,
      file: syntheticWeightsFile(dir, model),
      config,
      sizes: sizesFor(model, config),
    };
  });
}

/** The PyTorch model against the golden fixtures: the tiny ones, and the family fixture of each target. */
async function checkTorch(list: readonly Target[]): Promise<void> {
  say('PyTorch model against the golden fixtures:');
  say(await run(PYTHON, [TORCH_SCRIPT, 'check', '--fixtures', join(ROOT, 'test/fixtures/tiny')]));
  for (const t of list) {
    const layout = t.model === undefined ? undefined : FAMILY_FIXTURES[t.model];
    if (layout === undefined) continue;
    const fixtures = join(ROOT, 'test/fixtures/family', layout);
    const family = JSON.parse(readFileSync(join(fixtures, 'family.json'), 'utf8')) as { weights: string; };
    const converted = join(ROOT, 'build/anchors/fixtures', `${layout}.safetensors`);
    mkdirSync(join(ROOT, 'build/anchors/fixtures'), { recursive: true });
    await convertedWeightsFile(join(fixtures, family.weights), converted);
    say(`PyTorch model against the ${layout} family fixture (${family.weights}, converted):`);
    say(await run(PYTHON, [TORCH_SCRIPT, 'check', '--fixtures', fixtures, '--weights', converted]));
  }
}

async function runSize(t: Target, size: number, versions: Record<string, string>): Promise<SizeResults> {
  say(`\n== ${t.key}, ${size}×${size} ==`);
  const inputs = inputsFor(t.dir, t.file, size, size, t.config);
  const onnx = join(t.dir, `encoder_${size}x${size}.onnx`);
  const madeAfter = Math.max(statSync(t.file).mtimeMs, statSync(TORCH_SCRIPT).mtimeMs);
  if (engines.some((e) => e.startsWith('ort')) && (!existsSync(onnx) || statSync(onnx).mtimeMs < madeAfter)) {
    say('exporting the ONNX graphs from the same weights (PyTorch)');
    await run(PYTHON, [
      TORCH_SCRIPT,
      'export',
      '--weights',
      t.file,
      '--size',
      String(size),
      String(size),
      '--out',
      t.dir,
    ]);
  }
  const weightsArgs = t.model === undefined ? ['--weights', t.file] : ['--model', t.model];
  const wasmArgs = (
    mode: string,
  ): string[] => [String(size), threadCounts.join(','), String(repeat), mode, ...weightsArgs];
  const rows: Row[] = [];
  let ours: BenchResult[] | undefined;
  let fast: BenchResult[] | undefined;
  /** The first engine's tokens (a vqgan-wasm engine's: see tokenReference). */
  let referenceTokens: readonly number[] | undefined;
  const reference = (): readonly number[] => referenceTokens!;
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
      referenceTokens ??= found[0]!.tokens;
      for (const r of found) rows.push(rowOfBench(label(r.runtime), r, reference()));
      if (engine === 'wasm-deno') versions.Deno = found[0]!.runtime.replace('Deno ', '');
    } else if (engine === 'wasm-chromium' || engine === 'wasm-chromium-fast') {
      const { results: found, version } = await wasmInChromium(
        size,
        threadCounts,
        repeat,
        mode,
        t.model === undefined ? { path: `/${relative(ROOT, t.file)}` } : { model: t.model },
      );
      versions.Chromium = version;
      referenceTokens ??= found[0]!.tokens;
      for (const r of found) rows.push(rowOfBench(label(`Chromium ${version}`), r, reference()));
    } else if (engine === 'ort-web') {
      for (const n of threadCounts) {
        rows.push(rowOfRun(await ortWebInChromium(`/${relative(ROOT, t.dir)}/`, size, n, repeat), reference()));
      }
    } else if (engine === 'ort-node') {
      const found = jsonLines<EngineRun>(
        await run(process.execPath, [
          join(DIST, 'engine_ort_node.js'),
          t.dir,
          String(size),
          threadCounts.join(','),
          String(repeat),
        ]),
      );
      for (const r of found) rows.push(rowOfRun(r, reference()));
    } else {
      for (const n of threadCounts) {
        const [found] = jsonLines<EngineRun>(
          await run(PYTHON, [
            TORCH_SCRIPT,
            'time',
            '--weights',
            t.file,
            '--image',
            inputs.image,
            '--tokens',
            inputs.tokens,
            '--threads',
            String(n),
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
        } s (min); tokens ${r.tokens_equal}/${r.tokens_total} equal to ${engines[0]}'s`,
      );
    }
  }
  const roofline = (r: BenchResult | undefined) => ({
    threads: r?.threads ?? 0,
    peak_gflops: r?.peak_gflops ?? 0,
    ops: r?.ops ?? [],
  });
  return {
    size: `${size}x${size}`,
    rows,
    roofline: roofline(ours?.at(-1)),
    ...(fast === undefined ? {} : { fastRoofline: roofline(fast.at(-1)) }),
  };
}

const list = await targets();
for (const t of list) say(`${t.key}: weights ${t.file}, sizes ${t.sizes.join(', ')}`);
if (torchNeeded) await checkTorch(list);
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const machine = `${cpu}, ${cores} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`;
const command = `npm run bench:anchors${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const configurations: ConfigResults[] = [];
for (const t of list) {
  const versions: Record<string, string> = { Node: process.versions.node };
  const sizes: SizeResults[] = [];
  for (const size of t.sizes) sizes.push(await runSize(t, size, versions));
  configurations.push({
    model: t.key,
    about: t.about,
    weights: t.weightsLabel,
    date: new Date().toISOString().slice(0, 10),
    command,
    machine,
    versions,
    repeat,
    sizes,
  });
}

const anchorsJson = join(ROOT, 'bench/anchors.json');
const previous = existsSync(anchorsJson) ? parseReport(readFileSync(anchorsJson, 'utf8'), anchorsJson) : undefined;
const report = mergeReports(previous, { configurations });
const resultsMd = join(ROOT, 'bench/RESULTS.md');
writeFileSync(resultsMd, withBlock(readFileSync(resultsMd, 'utf8'), markdown(report)));
writeFileSync(anchorsJson, `${JSON.stringify(report, null, 1)}\n`);
say(
  `\nwrote bench/anchors.json (the sections of ${
    list.map((t) => t.key).join(', ')
  }) and, from it, the anchors block of bench/RESULTS.md`,
);
