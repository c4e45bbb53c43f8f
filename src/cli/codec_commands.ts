/**
 * `vqgan encode`, `decode` and `reconstruct`: images and .npy tensors to tokens and back.
 * Several inputs or a folder go into one .jsonl file, appended as it goes (batch_encode.ts).
 */
import type { EncodeResult, Vqgan } from '../api/vqgan.js';
import { VqganError, formatShape } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { checkTokenGrid, type TokenGrid } from '../core/tokens.js';
import { decodeImage } from '../image/decode.js';
import { encodePng } from '../image/encode_png.js';
import { parsePreset, presetUsesAlpha, tensorToImage, type PresetName } from '../image/presets.js';
import { writeNpy, parseNpy } from '../io/npy.js';
import { isNpy, parseTokenFile, tokensToJson, tokensToNpy } from '../io/token_file.js';
import { platform } from '../platform/platform.js';
import { encodeBatch, listInputs, resumeOutput } from './batch_encode.js';
import { loadModel } from './load_model.js';
import { parseSize, required, requireExtension, type Options } from './options.js';
import { say, writeOut } from './output.js';

/** An image file, or a .npy tensor already in model range. */
async function encodeInput(vq: Vqgan, path: string, opts: Options, preset: PresetName): Promise<EncodeResult> {
  const bytes = await platform().files.readFileBytes(path);
  if (!isNpy(bytes)) {
    // no --size: the preset's own size
    const size = opts.size === undefined ? undefined : parseSize(opts.size);
    return vq.encode(decodeImage(bytes, path, vq.maxPixels, presetUsesAlpha(preset)), { preset, size });
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
export async function encode(inputs: readonly string[], opts: Options): Promise<void> {
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
  if (opts.latent !== undefined) {
    await writeOut(opts.latent, npyOf(r.latent), `latent ${formatShape(r.latent.shape)} float32`);
  }
  const inputOut = opts['input-out'];
  if (inputOut !== undefined) {
    if (inputOut.toLowerCase().endsWith('.png')) {
      await writeOut(inputOut, encodePng(tensorToImage(r.modelInput, preset)), 'model input as PNG');
    } else await writeOut(inputOut, npyOf(r.modelInput), `model input ${formatShape(r.modelInput.shape)} float32`);
  }
  if (opts.out === undefined) say(`encoded ${input}: ${grid}`);
}

/** Several images (or one into .jsonl): one JSON line each, resuming what `--out` holds. */
async function encodeMany(files: readonly string[], opts: Options): Promise<void> {
  const out = opts.out;
  if (out === undefined) {
    throw new VqganError(
      'BAD_ARGUMENT',
      'vqgan encode with several inputs or a folder needs --out FILE.jsonl (see vqgan encode --help)',
    );
  }
  if (!out.toLowerCase().endsWith('.jsonl')) {
    throw new VqganError(
      'BAD_ARGUMENT',
      `--out ${out}: several inputs or a folder go into a .jsonl file (one line per image)`,
    );
  }
  for (const flag of ['latent', 'input-out'] as const) {
    if (opts[flag] !== undefined) {
      throw new VqganError(
        'BAD_ARGUMENT',
        `--${flag} takes one image: it cannot go with several inputs, a folder or a .jsonl output`,
      );
    }
  }
  const preset = parsePreset(opts.preset ?? 'taming');
  // Read (and check) the output before the model, so a bad file fails at once.
  const done = await resumeOutput(out);
  const vq = await loadModel(opts, true);
  const stream = { isTTY: process.stderr.isTTY === true, write: (text: string) => void process.stderr.write(text) };
  const { encoded, skipped } = await encodeBatch(
    files,
    done,
    out,
    (file) => encodeInput(vq, file, opts, preset),
    stream,
  );
  say(
    `wrote ${out} (${encoded} image${encoded === 1 ? '' : 's'}${
      skipped > 0 ? `, ${skipped} skipped as already done` : ''
    })`,
  );
}

export async function decode([tokensPath]: readonly string[], opts: Options): Promise<void> {
  const out = required(opts, 'out', 'decode');
  requireExtension('out', out, ['.png']);
  requireExtension('raw', opts.raw, ['.npy']);
  const preset = parsePreset(opts.preset ?? 'taming');
  const vq = await loadModel(opts);
  const grid = await readTokens(vq, tokensPath!);
  const decoded = await vq.decode(grid);
  const [, , h, w] = decoded.shape;
  await writeOut(out, encodePng(tensorToImage(decoded, preset)), `${w}×${h} PNG`);
  if (opts.raw !== undefined) {
    await writeOut(opts.raw, npyOf(decoded), `decoder output ${formatShape(decoded.shape)} float32`);
  }
}

export async function reconstruct([input]: readonly string[], opts: Options): Promise<void> {
  const out = required(opts, 'out', 'reconstruct');
  requireExtension('out', out, ['.png']);
  const preset = parsePreset(opts.preset ?? 'taming');
  const vq = await loadModel(opts);
  const decoded = await vq.decode(await encodeInput(vq, input!, opts, preset));
  const [, , h, w] = decoded.shape;
  await writeOut(out, encodePng(tensorToImage(decoded, preset)), `${w}×${h} PNG`);
}
