/**
 * Token grids on disk: JSON `{"height":h,"width":w,"tokens":[…]}` (row-major) or a
 * NumPy int32 [h, w] array (int64 accepted on input). Bytes in, bytes out.
 */
import { VqganError, formatShape } from '../core/errors.js';
import type { TokenGrid } from '../core/tokens.js';
import { parseNpy, writeNpy } from './npy.js';

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function isNpy(bytes: Uint8Array): boolean {
  return NPY_MAGIC.every((b, i) => bytes[i] === b);
}

export function parseTokenFile(bytes: Uint8Array, name: string): TokenGrid {
  return isNpy(bytes) ? tokensFromNpy(bytes, name) : tokensFromJson(bytes, name);
}

function tokensFromNpy(bytes: Uint8Array, name: string): TokenGrid {
  const npy = parseNpy(bytes, name);
  if (npy.shape.length !== 2) {
    throw new VqganError(
      'BAD_SHAPE',
      `${name}: token array has shape ${formatShape(npy.shape)}; expected a 2-D grid [h, w]`,
    );
  }
  const [height, width] = npy.shape as [number, number];
  let tokens: Int32Array;
  if (npy.data instanceof Int32Array) {
    tokens = npy.data;
  } else if (npy.data instanceof BigInt64Array) {
    tokens = new Int32Array(npy.data.length);
    npy.data.forEach((v, i) => {
      tokens[i] = int32Token(v, i, width, name);
    });
  } else {
    throw new VqganError('UNSUPPORTED', `${name}: token array has dtype ${npy.dtype}; expected int32 or int64`);
  }
  return { height, width, tokens };
}

function tokensFromJson(bytes: Uint8Array, name: string): TokenGrid {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new VqganError('BAD_FORMAT', `${name}: not a token file (JSON or .npy): ${(err as Error).message}`);
  }
  return tokenGridFromJson(value, name);
}

/** A parsed JSON value that must be a token grid (a JSON Lines record carries one too). */
export function tokenGridFromJson(value: unknown, name: string): TokenGrid {
  const v = value as { height?: unknown; width?: unknown; tokens?: unknown; };
  if (
    typeof v !== 'object' || v === null || !Number.isInteger(v.height) || !Number.isInteger(v.width)
    || !Array.isArray(v.tokens)
  ) {
    throw new VqganError('BAD_FORMAT', `${name}: expected {"height": h, "width": w, "tokens": [...]}`);
  }
  const height = v.height as number;
  const width = v.width as number;
  const flat: unknown[] = v.tokens.every(Array.isArray) ? (v.tokens as unknown[][]).flat() : v.tokens;
  if (flat.length !== height * width || flat.some(Array.isArray)) {
    throw new VqganError('BAD_SHAPE', `${name}: ${flat.length} tokens do not fill a ${height}×${width} grid`);
  }
  const tokens = new Int32Array(flat.length);
  flat.forEach((t, i) => {
    if (!Number.isInteger(t)) {
      throw new VqganError('BAD_VALUE', `${name}: token ${JSON.stringify(t)} at index ${i} is not an integer`);
    }
    tokens[i] = int32Token(t as number, i, width, name);
  });
  return { height, width, tokens };
}

/** A token that fits int32 (larger ones can be no code index: say so before they wrap). */
function int32Token(t: number | bigint, i: number, width: number, name: string): number {
  if (t < -0x80000000 || t > 0x7fffffff) {
    throw new VqganError(
      'BAD_VALUE',
      `${name}: token ${t} at row ${Math.floor(i / width)}, column ${i % width} is not a code index`,
    );
  }
  return Number(t);
}

/** One line of JSON; with `file`, a JSON Lines record that names the image the grid came from. */
export function tokensToJson(grid: TokenGrid, file?: string): string {
  const record = { height: grid.height, width: grid.width, tokens: Array.from(grid.tokens) };
  return `${JSON.stringify(file === undefined ? record : { file, ...record })}\n`;
}

export function tokensToNpy(grid: TokenGrid): Uint8Array {
  return writeNpy('int32', [grid.height, grid.width], grid.tokens);
}
