/** The golden fixtures (test/fixtures/tiny) and the comparisons the tests make against them. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseNpy } from '../../src/io/npy.js';

/** test/fixtures, found from the compiled file (dist/test/helpers) or the source. */
export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
export const TINY = `${FIXTURES}tiny/`;
export const GOLDEN = `${TINY}golden/`;
export const TINY_CKPT = `${TINY}tiny.ckpt`;
export const TINY_SAFETENSORS = `${TINY}tiny.safetensors`;
/** The same weights as Flax msgpack: flax-community's layout, and dalle-mini's older one. */
export const TINY_FLAX = `${TINY}tiny_flax.msgpack`;
export const TINY_FLAX_OLD = `${TINY}tiny_flax_old.msgpack`;
/** The configuration of tiny.ckpt (in its hyper_parameters) and of config.yaml beside it. */
export const TINY_CONFIG = {
  ch: 32,
  ch_mult: [1, 1, 2, 2, 4],
  num_res_blocks: 2,
  attn_resolutions: [16],
  z_channels: 64,
  resolution: 256,
  in_channels: 3,
  out_ch: 3,
  embed_dim: 64,
  n_embed: 1024,
};

export interface GoldenCase {
  readonly name: string;
  readonly tokens_hw: [number, number];
  readonly decode_only?: boolean;
}

export const CASES: readonly GoldenCase[] = JSON.parse(readFileSync(`${GOLDEN}manifest.json`, 'utf8'));

/** The fixture README's bounds for a correct float32 implementation. */
export const TOLERANCE = { latent: 5e-5, decoded: 5e-4, tokenMargin: 1e-4 } as const;

/** The fast mode's bounds (issue #8): Winograd's float32 rounding errors are a few times the direct sum's. */
export const FAST_TOLERANCE = { latent: 2e-4, decoded: 2e-3, tokenMargin: 1e-3 } as const;

/** `dir`: a golden folder (default: the tiny model's; the family fixtures have their own). */
export function goldenArray(file: string, dir = GOLDEN): { shape: number[]; data: Float32Array | Int32Array; } {
  const npy = parseNpy(new Uint8Array(readFileSync(`${dir}${file}`)), file);
  if (!(npy.data instanceof Float32Array || npy.data instanceof Int32Array)) {
    throw new Error(`${file}: unexpected dtype ${npy.dtype}`);
  }
  return { shape: npy.shape, data: npy.data };
}

export interface Difference {
  readonly max: number;
  readonly at: number; // flat index of the largest difference
  readonly where: string;
}

/** Largest |a − b| and where it is, as (c, y, x) of an [1, C, H, W] array. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, shape: readonly number[]): Difference {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let max = 0;
  let at = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= max)) {
      max = d;
      at = i;
    }
  }
  const [h, w] = [shape[shape.length - 2]!, shape[shape.length - 1]!];
  const where = `(c ${Math.floor(at / (h * w))}, y ${Math.floor(at / w) % h}, x ${at % w}): ${a[at]} vs ${b[at]}`;
  return { max, at, where };
}

export interface TokenAgreement {
  /** Positions whose margin ≥ the bound but whose token differs: must be empty. */
  readonly failures: string[];
  /** Differences at positions with a margin below the bound: reported, allowed. */
  readonly closeCalls: string[];
  readonly equal: number;
  readonly total: number;
}

/** Tokens against PyTorch's: a difference where PyTorch's margin is at least `margin` is a failure. */
export function compareTokens(
  name: string,
  got: Int32Array,
  width: number,
  margin: number = TOLERANCE.tokenMargin,
  dir = GOLDEN,
): TokenAgreement {
  const want = goldenArray(`${name}.tokens.npy`, dir).data;
  const margins = goldenArray(`${name}.margin.npy`, dir).data;
  const failures: string[] = [];
  const closeCalls: string[] = [];
  let equal = 0;
  for (let i = 0; i < want.length; i++) {
    if (got[i] === want[i]) {
      equal++;
      continue;
    }
    const text = `(${Math.floor(i / width)}, ${i % width}): got ${got[i]}, PyTorch ${want[i]}, margin ${margins[i]}`;
    (margins[i]! >= margin ? failures : closeCalls).push(text);
  }
  return { failures, closeCalls, equal, total: want.length };
}

export function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.every((v, i) => v === y[i]);
}
