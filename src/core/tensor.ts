import { VqganError, formatShape } from './errors.js';

/** A dense, contiguous, row-major float32 tensor. */
export class Tensor {
  readonly shape: readonly number[];
  protected view: Float32Array;

  constructor(shape: readonly number[], data?: Float32Array) {
    const size = shapeSize(shape);
    if (data !== undefined && data.length !== size) {
      throw new VqganError(
        'BAD_SHAPE',
        `tensor data has ${data.length} values but shape ${formatShape(shape)} needs ${size}`,
      );
    }
    this.shape = Object.freeze([...shape]);
    this.view = data ?? new Float32Array(size);
  }

  /** The values; a backend may keep them in its own memory and hand out a fresh view. */
  get data(): Float32Array {
    return this.view;
  }

  get size(): number {
    return shapeSize(this.shape);
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
