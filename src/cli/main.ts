#!/usr/bin/env node
/**
 * vqgan: the command line. Each command computes everything first, then writes its
 * files through temporary names, and prints what it wrote on stderr (stdout carries
 * only token JSON when no --out is given); only a batch encode into .jsonl appends as it
 * goes (src/batch_encode.ts). Errors print one line and exit 1.
 */
import '../entries/install_node.js';
import { parseArgs } from 'node:util';
import { Vqgan, type EncodeResult } from '../api/vqgan.js';
import { BACKEND_NAMES, parseComputeMode, type BackendName } from '../compute/backend.js';
import { encodeBatch, listInputs, resumeOutput } from './batch_encode.js';
import { basenameOf } from '../platform/paths.js';
import { platform } from '../platform/platform.js';
import { fetchCommand, weightsForCli } from './hub_commands.js';
import { formatBytes } from '../core/format_bytes.js';
import { convertToSafetensors } from '../weights/convert.js';
import { describeWeights } from '../weights/describe.js';
import { WRITTEN_DTYPES, type WrittenDtype } from '../weights/half.js';
import { loadWeights } from '../weights/load.js';
import { VqganError, formatShape } from '../core/errors.js';
import { decodeImage } from '../image/decode.js';
import { parseMaxPixels } from '../core/limits.js';
import { encodePng } from '../image/encode_png.js';
import { parsePreset, tensorToImage, type PresetName } from '../image/presets.js';
import { writeNpy, parseNpy } from '../io/npy.js';
import { isNpy, parseTokenFile, tokensToJson, tokensToNpy } from '../io/token_file.js';
import { fitsFactor } from '../model/config.js';
import { Tensor } from '../core/tensor.js';
import { checkTokenGrid, type TokenGrid } from '../core/tokens.js';

const COMMON = `
  --weights W           model weights: a file (PyTorch .ckpt/.pt, .safetensors, Flax
                        .msgpack), a URL, or a hub id OWNER/NAME[@REVISION] (a string
                        that is no existing path; revision default main), downloaded
                        once into the cache (VQGAN_CACHE, default ~/.cache/vqgan-wasm);
                        default boris/vqgan_f16_16384
  --preset NAME         pixel convention: taming (default, [-1, 1]) or dalle-mini ([0, 1])
  --backend NAME        compute backend: wasm (WebAssembly SIMD, default) or reference
                        (scalar TypeScript); both give the same bytes
  --threads N           threads for the wasm backend (default: all available cores);
                        the output is the same with any number
  --mode MODE           exact (default: direct convolutions, the canonical results) or
                        fast (Winograd 3×3 convolutions, about 3× faster at 256×256,
                        float32 errors a few times larger); each mode gives the same
                        bytes everywhere
  --max-pixels N        refuse images, model inputs and decoded outputs of more pixels
                        (default 16777216 = 4096×4096), from the header, before decoding
  --debug               print stack traces for errors
  -h, --help            this help`;

const HELP: Record<string, string> = {
  main: `vqgan — VQGAN image tokenizer (Taming Transformers, f16, 16384 codes)

Usage:
  vqgan encode INPUT --weights FILE [options]       image or .npy → tokens
  vqgan encode INPUT... --weights FILE --out TOKENS.jsonl  many images or folders → tokens
  vqgan decode TOKENS --weights FILE --out IMG.png  tokens → image
  vqgan reconstruct INPUT --weights FILE --out IMG.png
  vqgan bench [--size 256|512] [--repeat R] [--json]  speed of encode and decode
  vqgan fetch [OWNER/NAME[@REVISION]]               download a hub model, print its files
  vqgan convert WEIGHTS OUT.safetensors [--dtype D]  inference-only safetensors weights
  vqgan info [WEIGHTS]                              format, configuration, size of weights

--weights FILE may be left out: the default is the hub model boris/vqgan_f16_16384,
downloaded on first use.

Run 'vqgan COMMAND --help' for a command's options.`,
  encode: `Usage: vqgan encode INPUT --weights FILE [options]
       vqgan encode INPUT... --weights FILE --out TOKENS.jsonl [options]

INPUT is a PNG or JPEG (resized on its shortest side and centre-cropped to --size, then
converted by --preset) or a .npy float32 [1,3,H,W] or [3,H,W] already in model range.

Several inputs, or a folder (its .png, .jpg and .jpeg files, sorted by name, not its
subfolders), go into one JSON Lines file, a line per image appended as soon as it is
done: {"file":"photos/x.png","height":h,"width":w,"tokens":[...]}. If that file exists,
the images it holds are skipped: running the command again finishes an interrupted run.

  --out FILE            tokens.json or tokens.npy (int32 [h, w]); tokens.jsonl (needed for
                        several inputs or a folder); default: JSON on stdout
  --latent FILE         write the latent before quantizing, float32 [1, D, h, w] .npy
                        (one input only, as are --input-out, .json and .npy)
  --size N|HxW          image size fed to the model (default 256; multiples of 16)
  --input-out FILE      write the model input: .npy (float32 [1,3,H,W]) or .png${COMMON}`,
  decode: `Usage: vqgan decode TOKENS --weights FILE --out IMAGE.png [options]

TOKENS is {"height":h,"width":w,"tokens":[...]} JSON or an int32/int64 .npy [h, w].

  --out FILE            the decoded image, PNG (required)
  --raw FILE            write the decoder output before clipping, float32 [1,3,H,W] .npy${COMMON}`,
  reconstruct: `Usage: vqgan reconstruct INPUT --weights FILE --out IMAGE.png [options]

Encodes INPUT (as 'vqgan encode' does) and decodes its tokens again.

  --out FILE            the reconstruction, PNG (required)
  --size N|HxW          image size fed to the model (default 256; multiples of 16)${COMMON}`,
  bench: `Usage: vqgan bench [options]

Times encode and decode of a loaded model (min and median after a warm-up), each op's
time and GFLOP/s, peak memory, and the share of this machine's SIMD128 peak.

  --weights FILE        weights to time (default: synthetic f16_16384 weights, seed 1)
  --size N|HxW          image size (default 256)
  --repeat R            timed runs of each (default 5)
  --threads N[,M,…]     thread counts to time, runs alternating between them, with
                        speed-ups over the first (default: all available cores)
  --json                print one JSON object per thread count instead of the tables
  --backend NAME        wasm (default) or reference
  --mode MODE           exact (default) or fast`,
  convert: `Usage: vqgan convert WEIGHTS OUT.safetensors [--dtype float32|float16|bfloat16]

Writes inference-only weights: the model's tensors alone (no loss.* entries, no
optimizer state), checked against the configuration, with the configuration in the
file's metadata so that it loads with nothing beside it. WEIGHTS is anything --weights
takes: a .ckpt, .safetensors or Flax .msgpack file, a URL, or a hub id. float16 and
bfloat16 files are half the size; they load and compute in float32.

  --dtype D             float32 (default, every bit kept), float16 or bfloat16`,
  info: `Usage: vqgan info [WEIGHTS]

Prints the format, size, configuration (and where it came from), parameter count and
stored dtype of a weights file, URL or hub id (default: boris/vqgan_f16_16384).`,
  fetch: `Usage: vqgan fetch [OWNER/NAME[@REVISION]]

Downloads a model from the Hugging Face hub into the cache without running it, and
prints where its files are on stdout (the weights, then the configuration if the hub has
one). Default: boris/vqgan_f16_16384 at revision main. The weights are the first of
model.ckpt, flax_model.msgpack, model.safetensors that the model has, checked against
the hub's sha256; an interrupted download resumes. A model in the cache is never fetched
again (delete its folder to refresh it).

Environment:
  HF_ENDPOINT           the hub (default https://huggingface.co)
  HF_TOKEN              sent as a bearer token to the hub, for private or gated models
  VQGAN_CACHE           the cache folder (default ~/.cache/vqgan-wasm); a model's files
                        are in {cache}/{owner}--{name}/{revision}/`,
};

const OPTIONS = {
  weights: { type: 'string' },
  dtype: { type: 'string' },
  out: { type: 'string' },
  latent: { type: 'string' },
  raw: { type: 'string' },
  size: { type: 'string' },
  preset: { type: 'string' },
  backend: { type: 'string' },
  'input-out': { type: 'string' },
  repeat: { type: 'string' },
  threads: { type: 'string' },
  mode: { type: 'string' },
  'max-pixels': { type: 'string' },
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Options = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };

const ALLOWED: Record<string, readonly (keyof typeof OPTIONS)[]> = {
  encode: ['weights', 'out', 'latent', 'size', 'preset', 'backend', 'threads', 'mode', 'input-out', 'max-pixels'],
  decode: ['weights', 'out', 'raw', 'preset', 'backend', 'threads', 'mode', 'max-pixels'],
  reconstruct: ['weights', 'out', 'size', 'preset', 'backend', 'threads', 'mode', 'max-pixels'],
  bench: ['weights', 'size', 'repeat', 'json', 'backend', 'threads', 'mode'],
  fetch: [],
  convert: ['dtype'],
  info: [],
};

/** How many inputs each command takes, and how to say so. */
const INPUTS: Record<string, { min: number; max: number; what: string }> = {
  encode: { min: 1, max: Infinity, what: 'one or more input files or folders' },
  decode: { min: 1, max: 1, what: 'one input file' },
  reconstruct: { min: 1, max: 1, what: 'one input file' },
  bench: { min: 0, max: 0, what: 'no input file' },
  fetch: { min: 0, max: 1, what: 'at most one hub id' },
  convert: { min: 2, max: 2, what: 'the weights and the output file' },
  info: { min: 0, max: 1, what: 'at most one weights file or hub id' },
};

function say(message: string): void {
  process.stderr.write(`${message}\n`);
}

function requireExtension(flag: string, path: string | undefined, extensions: readonly string[]): void {
  if (path !== undefined && !extensions.some((e) => path.toLowerCase().endsWith(e))) {
    throw new VqganError('BAD_ARGUMENT', `--${flag} ${path}: the file name must end in ${extensions.join(' or ')}`);
  }
}

function required(opts: Options, flag: 'weights' | 'out', command: string): string {
  const v = opts[flag];
  if (v === undefined) throw new VqganError('BAD_ARGUMENT', `vqgan ${command} needs --${flag} FILE (see vqgan ${command} --help)`);
  return v;
}

function parseSize(text: string): [number, number] {
  const m = /^(\d+)(?:x(\d+))?$/i.exec(text.trim());
  if (m === null) throw new VqganError('BAD_ARGUMENT', `--size ${text}: expected N or HxW, e.g. 256 or 256x384`);
  const h = Number(m[1]);
  return [h, m[2] === undefined ? h : Number(m[2])];
}

/** Models this run loaded: main() disposes them, since Deno waits for their worker threads. */
const loaded: Vqgan[] = [];

/**
 * `--weights` left out means the default hub model (src/hub/cli_hub.ts). One image at a
 * time runs the engine on this thread: a worker would only add its start-up. A batch
 * runs it in its worker, so that each next image is read and decoded here meanwhile.
 */
async function loadModel(opts: Options, worker = false): Promise<Vqgan> {
  const threads = opts.threads === undefined ? undefined : parseThreads(opts.threads)[0];
  const maxPixels = opts['max-pixels'] === undefined ? undefined : parseMaxPixels(opts['max-pixels'], '--max-pixels');
  // Every option before the weights, which may be a download from the hub.
  const backend = backendOption(opts);
  const mode = parseComputeMode(opts.mode ?? 'exact', '--mode');
  const vq = await Vqgan.load(await weightsForCli(opts.weights), { backend, threads, mode, maxPixels, worker });
  loaded.push(vq);
  return vq;
}

/** "N" or "N,M,…": positive thread counts. */
function parseThreads(text: string): number[] {
  const counts = text.split(',').map((t) => Number(t.trim()));
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 256)) {
    throw new VqganError('BAD_ARGUMENT', `--threads ${text}: expected a thread count from 1 to 256, or a list like 1,2,4`);
  }
  return counts;
}

/** An image file, or a .npy tensor already in model range. */
async function encodeInput(vq: Vqgan, path: string, opts: Options, preset: PresetName): Promise<EncodeResult> {
  const bytes = await platform().files.readFileBytes(path);
  if (!isNpy(bytes)) {
    const size = opts.size === undefined ? 256 : parseSize(opts.size);
    return vq.encode(decodeImage(bytes, path, vq.maxPixels), { preset, size });
  }
  const npy = parseNpy(bytes, path);
  if (!(npy.data instanceof Float32Array)) {
    throw new VqganError('UNSUPPORTED', `${path}: input array has dtype ${npy.dtype}; expected float32`);
  }
  try {
    return await vq.encode(new Tensor(npy.shape, npy.data));
  } catch (err) {
    if (err instanceof VqganError) throw new VqganError(err.code, `${path}: ${err.message}`);
    throw err;
  }
}

async function readTokens(vq: Vqgan, path: string): Promise<TokenGrid> {
  const grid = parseTokenFile(await platform().files.readFileBytes(path), path);
  checkTokenGrid(grid, vq.config.n_embed, path);
  return grid;
}

const npyOf = (t: Tensor): Uint8Array => writeNpy('float32', t.shape, t.data);

async function writeOut(path: string, bytes: Uint8Array | string, what: string): Promise<void> {
  await platform().files.writeFileAtomic(path, bytes);
  say(`wrote ${path} (${what})`);
}

async function encode(inputs: readonly string[], opts: Options): Promise<void> {
  const { files, hasFolder } = await listInputs(inputs);
  if (inputs.length > 1 || hasFolder || opts.out?.toLowerCase().endsWith('.jsonl')) return encodeMany(files, opts);
  const input = files[0]!;
  requireExtension('out', opts.out, ['.json', '.npy']);
  requireExtension('latent', opts.latent, ['.npy']);
  requireExtension('input-out', opts['input-out'], ['.npy', '.png']);
  const preset = parsePreset(opts.preset ?? 'taming');
  const vq = await loadModel(opts);
  const r = await encodeInput(vq, input, opts, preset);
  const grid = `${r.height}×${r.width} tokens`;
  if (opts.out === undefined) process.stdout.write(tokensToJson(r));
  else if (opts.out.toLowerCase().endsWith('.npy')) await writeOut(opts.out, tokensToNpy(r), `${grid}, int32 npy`);
  else await writeOut(opts.out, tokensToJson(r), `${grid}, JSON`);
  if (opts.latent !== undefined) await writeOut(opts.latent, npyOf(r.latent), `latent ${formatShape(r.latent.shape)} float32`);
  const inputOut = opts['input-out'];
  if (inputOut !== undefined) {
    if (inputOut.toLowerCase().endsWith('.png')) await writeOut(inputOut, encodePng(tensorToImage(r.modelInput, preset)), 'model input as PNG');
    else await writeOut(inputOut, npyOf(r.modelInput), `model input ${formatShape(r.modelInput.shape)} float32`);
  }
  if (opts.out === undefined) say(`encoded ${input}: ${grid}`);
}

/** Several images (or one into .jsonl): one JSON line each, resuming what `--out` holds. */
async function encodeMany(files: readonly string[], opts: Options): Promise<void> {
  const out = opts.out;
  if (out === undefined) throw new VqganError('BAD_ARGUMENT', 'vqgan encode with several inputs or a folder needs --out FILE.jsonl (see vqgan encode --help)');
  if (!out.toLowerCase().endsWith('.jsonl')) throw new VqganError('BAD_ARGUMENT', `--out ${out}: several inputs or a folder go into a .jsonl file (one line per image)`);
  for (const flag of ['latent', 'input-out'] as const) {
    if (opts[flag] !== undefined) throw new VqganError('BAD_ARGUMENT', `--${flag} takes one image: it cannot go with several inputs, a folder or a .jsonl output`);
  }
  const preset = parsePreset(opts.preset ?? 'taming');
  // Read (and check) the output before the model, so a bad file fails at once.
  const done = await resumeOutput(out);
  const vq = await loadModel(opts, true);
  const stream = { isTTY: process.stderr.isTTY === true, write: (text: string) => void process.stderr.write(text) };
  const { encoded, skipped } = await encodeBatch(files, done, out, (file) => encodeInput(vq, file, opts, preset), stream);
  say(`wrote ${out} (${encoded} image${encoded === 1 ? '' : 's'}${skipped > 0 ? `, ${skipped} skipped as already done` : ''})`);
}

async function decode([tokensPath]: readonly string[], opts: Options): Promise<void> {
  const out = required(opts, 'out', 'decode');
  requireExtension('out', out, ['.png']);
  requireExtension('raw', opts.raw, ['.npy']);
  const preset = parsePreset(opts.preset ?? 'taming');
  const vq = await loadModel(opts);
  const grid = await readTokens(vq, tokensPath!);
  const decoded = (await vq.decode(grid));
  const [, , h, w] = decoded.shape;
  await writeOut(out, encodePng(tensorToImage(decoded, preset)), `${w}×${h} PNG`);
  if (opts.raw !== undefined) await writeOut(opts.raw, npyOf(decoded), `decoder output ${formatShape(decoded.shape)} float32`);
}

async function reconstruct([input]: readonly string[], opts: Options): Promise<void> {
  const out = required(opts, 'out', 'reconstruct');
  requireExtension('out', out, ['.png']);
  const preset = parsePreset(opts.preset ?? 'taming');
  const vq = await loadModel(opts);
  const decoded = (await vq.decode(await encodeInput(vq, input!, opts, preset)));
  const [, , h, w] = decoded.shape;
  await writeOut(out, encodePng(tensorToImage(decoded, preset)), `${w}×${h} PNG`);
}

function backendOption(opts: Options): BackendName {
  const backend = (opts.backend ?? 'wasm') as BackendName;
  if (!BACKEND_NAMES.includes(backend)) {
    throw new VqganError('BAD_ARGUMENT', `--backend ${backend}: use ${BACKEND_NAMES.join(' or ')}`);
  }
  return backend;
}

async function bench(_inputs: readonly string[], opts: Options): Promise<void> {
  const repeat = Number(opts.repeat ?? 5);
  if (!Number.isInteger(repeat) || repeat < 1) throw new VqganError('BAD_ARGUMENT', `--repeat ${opts.repeat}: expected a positive integer`);
  const size = parseSize(opts.size ?? '256');
  if (!fitsFactor(size[0], size[1], 16)) throw new VqganError('BAD_VALUE', `--size ${opts.size}: height and width must be positive multiples of 16`);
  const threads = opts.threads === undefined ? undefined : parseThreads(opts.threads);
  const backend = backendOption(opts);
  const mode = parseComputeMode(opts.mode ?? 'exact', '--mode');
  const { runBench, formatBench, formatScaling } = await import('../bench/bench.js');
  const weights = opts.weights === undefined ? undefined : await weightsForCli(opts.weights);
  const results = await runBench({ size, repeat, backend, mode, threads, weights }, opts.json ? undefined : say);
  for (const result of results) process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${formatBench(result)}\n\n`);
  if (!opts.json && results.length > 1) process.stdout.write(`${formatScaling(results)}\n`);
}

async function fetchModel([id]: readonly string[]): Promise<void> {
  await fetchCommand(id);
}

/** `vqgan convert IN OUT.safetensors`: the model's tensors alone, with the configuration inside. */
async function convert([input, out]: readonly string[], opts: Options): Promise<void> {
  requireExtension('out', out, ['.safetensors']);
  const dtype = (opts.dtype ?? 'float32') as WrittenDtype;
  if (!WRITTEN_DTYPES.includes(dtype)) throw new VqganError('BAD_ARGUMENT', `--dtype ${dtype}: use ${WRITTEN_DTYPES.join(', ').replace(/, (?=[^,]*$)/, ' or ')}`);
  const weights = await loadWeights(await weightsForCli(input));
  const converted = convertToSafetensors(weights.tensors, weights.config, dtype, basenameOf(input!));
  await writeOut(out!, converted.bytes, `${converted.tensors} tensors, ${converted.parameters} parameters, ${dtype}, ${formatBytes(converted.bytes.length)}`);
}

/** `vqgan info [WEIGHTS]`: what a weights file holds. */
async function info([input]: readonly string[]): Promise<void> {
  const path = await weightsForCli(input);
  process.stdout.write(`${describeWeights(path, await loadWeights(path))}\n`);
}

const COMMANDS: Record<string, (inputs: readonly string[], opts: Options) => Promise<void>> = {
  encode, decode, reconstruct, bench, fetch: fetchModel, convert, info,
};

async function main(argv: readonly string[]): Promise<number> {
  let debug = argv.includes('--debug');
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
    const opts = values as Options;
    debug = opts.debug === true;
    const [command, ...rest] = positionals;
    if (command === undefined || command === 'help') {
      say(HELP.main!);
      return opts.help === true || command === 'help' ? 0 : 1;
    }
    const run = COMMANDS[command];
    if (run === undefined) throw new VqganError('BAD_ARGUMENT', `unknown command '${command}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    if (opts.help === true) {
      process.stdout.write(`${HELP[command]}\n`);
      return 0;
    }
    for (const key of Object.keys(opts) as (keyof Options)[]) {
      if (key !== 'debug' && !ALLOWED[command]!.includes(key)) {
        throw new VqganError('BAD_ARGUMENT', `vqgan ${command} has no option --${key} (see vqgan ${command} --help)`);
      }
    }
    const inputs = INPUTS[command]!;
    if (rest.length < inputs.min || rest.length > inputs.max) {
      throw new VqganError('BAD_ARGUMENT', `vqgan ${command} takes ${inputs.what}, got ${rest.length} (see vqgan ${command} --help)`);
    }
    await run(rest, opts);
    return 0;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (err instanceof VqganError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      say(`vqgan: ${(err as Error).message}`);
      if (debug) say(String((err as Error).stack));
      return 1;
    }
    say(`vqgan: internal error: ${(err as Error)?.message ?? String(err)}${debug ? `\n${(err as Error)?.stack}` : ' (run with --debug for details)'}`);
    return 2;
  } finally {
    for (const vq of loaded.splice(0)) vq.dispose();
  }
}

process.exitCode = await main(process.argv.slice(2));
