/** The command line's options: which each command takes, and their parsing and checks. */
import { BACKEND_NAMES, type BackendName } from '../compute/backend.js';
import { VqganError } from '../core/errors.js';

export const OPTIONS = {
  weights: { type: 'string' },
  model: { type: 'string' },
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
  resize: { type: 'boolean' },
  image: { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type Options = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean;
};

export const ALLOWED: Record<string, readonly (keyof typeof OPTIONS)[]> = {
  encode: ['weights', 'out', 'latent', 'size', 'preset', 'backend', 'threads', 'mode', 'input-out', 'max-pixels'],
  decode: ['weights', 'out', 'raw', 'preset', 'backend', 'threads', 'mode', 'max-pixels'],
  reconstruct: ['weights', 'out', 'size', 'preset', 'backend', 'threads', 'mode', 'max-pixels'],
  bench: ['weights', 'model', 'size', 'repeat', 'json', 'backend', 'threads', 'mode', 'resize', 'image', 'max-pixels'],
  fetch: [],
  convert: ['dtype'],
  info: [],
};

/** How many inputs each command takes, and how to say so. */
export const INPUTS: Record<string, { min: number; max: number; what: string; }> = {
  encode: { min: 1, max: Infinity, what: 'one or more input files or folders' },
  decode: { min: 1, max: 1, what: 'one input file' },
  reconstruct: { min: 1, max: 1, what: 'one input file' },
  bench: { min: 0, max: 0, what: 'no input file' },
  fetch: { min: 0, max: 1, what: 'at most one hub id' },
  convert: { min: 2, max: 2, what: 'the weights and the output file' },
  info: { min: 0, max: 1, what: 'at most one weights file or hub id' },
};

export function requireExtension(flag: string, path: string | undefined, extensions: readonly string[]): void {
  if (path !== undefined && !extensions.some((e) => path.toLowerCase().endsWith(e))) {
    throw new VqganError('BAD_ARGUMENT', `--${flag} ${path}: the file name must end in ${extensions.join(' or ')}`);
  }
}

export function required(opts: Options, flag: 'weights' | 'out', command: string): string {
  const v = opts[flag];
  if (v === undefined) {
    throw new VqganError('BAD_ARGUMENT', `vqgan ${command} needs --${flag} FILE (see vqgan ${command} --help)`);
  }
  return v;
}

export function parseSize(text: string): [number, number] {
  const m = /^(\d+)(?:x(\d+))?$/i.exec(text.trim());
  if (m === null) throw new VqganError('BAD_ARGUMENT', `--size ${text}: expected N or HxW, e.g. 256 or 256x384`);
  const h = Number(m[1]);
  return [h, m[2] === undefined ? h : Number(m[2])];
}

/** "N" or "N,M,…": positive thread counts. */
export function parseThreads(text: string): number[] {
  const counts = text.split(',').map((t) => Number(t.trim()));
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 256)) {
    throw new VqganError(
      'BAD_ARGUMENT',
      `--threads ${text}: expected a thread count from 1 to 256, or a list like 1,2,4`,
    );
  }
  return counts;
}

export function backendOption(opts: Options): BackendName {
  const backend = (opts.backend ?? 'wasm') as BackendName;
  if (!BACKEND_NAMES.includes(backend)) {
    throw new VqganError('BAD_ARGUMENT', `--backend ${backend}: use ${BACKEND_NAMES.join(' or ')}`);
  }
  return backend;
}
