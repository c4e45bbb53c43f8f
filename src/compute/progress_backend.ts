/**
 * One encode or decode, watched where the work is done: a Backend decorator
 * (compute/backend_decorator.ts) that
 * - adds up each op's FLOP as the op returns, for progress. The total is known before
 *   the real run starts: the same computation is first walked with every compute call
 *   skipped (allocations, copies and releases still go through, so the walk is the real
 *   one, op for op), which costs next to nothing;
 * - asks before each op whether the caller wants to stop (an aborted request);
 * - keeps the tensors the run allocated and has not released, and releases them when
 *   the run throws, so that a failed or aborted run leaves the backend as it found it.
 * The model graph knows none of this.
 */
import type { Backend } from './backend.js';
import { BackendDecorator } from './backend_decorator.js';
import type { Tensor } from '../core/tensor.js';

/** The fraction of the work done, 0 < fraction ≤ 1: increasing, the last call exactly 1. */
export type ProgressCallback = (fraction: number) => void;

export interface RunHooks {
  readonly onProgress?: ProgressCallback;
  /** Called before each op; what it throws (an abort error) ends the run. */
  readonly beforeOp?: () => void;
}

/** Forwards to `inner`, adding up the FLOP of the ops; `compute` false skips the ops' computing. */
class WatchedBackend extends BackendDecorator {
  flop = 0;
  private readonly live = new Set<Tensor>();

  constructor(
    inner: Backend,
    private readonly compute: boolean,
    private readonly beforeOp: () => void = () => undefined,
    private readonly afterOp: (flop: number) => void = () => undefined,
  ) {
    super(inner);
  }

  protected op(_label: () => string, flop: number, run: () => void): void {
    if (this.compute) {
      this.beforeOp();
      run();
    }
    this.flop += flop;
    if (flop > 0) this.afterOp(this.flop);
  }

  override alloc(shape: readonly number[]): Tensor {
    return this.keep(this.inner.alloc(shape));
  }
  override adopt(t: Tensor): Tensor {
    return this.keep(this.inner.adopt(t));
  }
  override release(t: Tensor): void {
    this.live.delete(t);
    this.inner.release(t);
  }
  override download(t: Tensor): Tensor {
    this.live.delete(t);
    return this.inner.download(t);
  }

  private keep(t: Tensor): Tensor {
    this.live.add(t);
    return t;
  }

  /** Runs `run` on this backend; if it throws, what it still held is released first. */
  guard<T>(run: (be: Backend) => T): T {
    try {
      return run(this);
    } catch (err) {
      for (const t of this.live) this.inner.release(t);
      this.live.clear();
      throw err;
    }
  }
}

/**
 * `run` on `backend`, calling `onProgress` with the fraction of its FLOP done after each
 * op that does some, and `beforeOp` before each. `run` must do the same ops whatever
 * the values it computes (a model's forward pass does).
 */
export function runWithProgress<T>(backend: Backend, hooks: RunHooks, run: (be: Backend) => T): T {
  const { onProgress, beforeOp } = hooks;
  if (onProgress === undefined) return new WatchedBackend(backend, true, beforeOp).guard(run);
  const walk = new WatchedBackend(backend, false);
  walk.guard(run);
  const total = walk.flop;
  let last = 0;
  const result = new WatchedBackend(backend, true, beforeOp, (done) => {
    // done reaches total exactly (integer sums far below 2^53), so the last call is 1.
    last = Math.min(done / total, 1);
    onProgress(last);
  }).guard(run);
  if (last < 1) onProgress(1);
  return result;
}
