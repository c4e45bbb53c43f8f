/** A grid of tokens, as encode returns it and decode takes it. */
import { VqganError } from './errors.js';

export interface TokenGrid {
  readonly height: number;
  readonly width: number;
  /** height·width code indices, row-major. */
  readonly tokens: Int32Array;
}

/** Throws, naming the first position at fault, unless every token is in [0, codes). */
export function checkTokenGrid(grid: TokenGrid, codes: number, source: string): void {
  const { height, width, tokens } = grid;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
    throw new VqganError('BAD_SHAPE', `${source}: token grid of ${height}×${width} is not a positive size`);
  }
  if (tokens.length !== height * width) {
    throw new VqganError('BAD_SHAPE', `${source}: ${tokens.length} tokens do not fill a ${height}×${width} grid`);
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t < 0 || t >= codes) {
      throw new VqganError(
        'BAD_VALUE',
        `${source}: token ${t} at row ${Math.floor(i / width)}, column ${i % width} is outside [0, ${codes})`,
      );
    }
  }
}
