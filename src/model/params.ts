/**
 * Strict weight lookup: every module asks for its tensors by their checkpoint key and
 * expected shape; a missing key, a wrong shape, or a leftover key is an error naming it.
 */
import type { Backend } from '../compute/backend.js';
import type { Conv3x3Kind } from '../compute/backend.js';
import { VqganError, formatShape } from '../core/errors.js';
import { sameShape, type Tensor } from '../core/tensor.js';

/** Entries that the original checkpoint holds for training only. */
export const isTrainingOnlyKey = (key: string): boolean => key.startsWith('loss.');

/** Where modules get their weights: a loaded file (Params) or a generator (benchmarks). */
export interface ParamSource {
  /** The tensor called `key`, which must have `shape`, in the backend's memory. */
  take(key: string, shape: readonly number[]): Tensor;
  /**
   * Has the backend put a 3×3 weight it took into the layout of its conv3x3 for `kind`
   * and outputs `width` wide, now, at load.
   */
  prepareConv3x3(weight: Tensor, kind: Conv3x3Kind, width: number): void;
  /** Called once every module has taken its tensors. */
  finish(): void;
}

/**
 * Takes tensors out of a loaded map: each one leaves the map once the backend has its
 * own copy, so the loaded float32 arrays can be collected while the model is built.
 */
export class Params implements ParamSource {
  constructor(
    private readonly tensors: Map<string, Tensor>,
    private readonly backend: Backend,
    private readonly source: string,
  ) {}

  take(key: string, shape: readonly number[]): Tensor {
    const t = this.tensors.get(key);
    if (t === undefined) {
      throw new VqganError('MISSING_KEY', `${this.source}: model tensor ${key} ${formatShape(shape)} is missing`);
    }
    if (!sameShape(t.shape, shape)) {
      throw new VqganError(
        'BAD_SHAPE',
        `${this.source}: ${key} has shape ${formatShape(t.shape)} but the configuration needs ${formatShape(shape)}`,
      );
    }
    this.tensors.delete(key);
    return this.backend.adopt(t);
  }

  prepareConv3x3(weight: Tensor, kind: Conv3x3Kind, width: number): void {
    this.backend.prepareConv3x3(weight, kind, width);
  }

  /** Throws on the first tensor that no module took. */
  finish(): void {
    for (const [key, t] of this.tensors) {
      if (!isTrainingOnlyKey(key)) {
        throw new VqganError(
          'UNEXPECTED_KEY',
          `${this.source}: tensor ${key} ${formatShape(t.shape)} is not part of this model`,
        );
      }
    }
  }
}
