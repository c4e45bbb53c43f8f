import { VqganError, formatShape } from './errors.js';

/** A dense, contiguous, row-major float32 tensor. */
export class Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;

  constructor(shape: readonly number[], data?: Float32Array) {
    const size = shapeSize(shape);
    if (data !== undefined && data.length !== size) {
      throw new VqganError(
        'BAD_SHAPE',
        `tensor data has ${data.length} values but shape ${formatShape(shape)} needs ${size}`,
      );
    }
    this.shape = Object.freeze([...shape]);
    this.data = data ?? new Float32Array(size);
  }

  get size(): number {
    return this.data.length;
  }
}

export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new VqganError('BAD_SHAPE', `invalid dimension ${d} in shape ${formatShape(shape)}`);
    }
    size *= d;
  }
  return size;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
