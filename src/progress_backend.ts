/**
 * Progress of one encode or decode, counted where the work is done: a Backend decorator
 * (src/backend_decorator.ts) that adds up each op's FLOP as the op returns. The total is known
 * before the real run starts: the same computation is first walked with every compute
 * call skipped (allocations, copies and releases still go through, so the walk is the
 * real one, op for op), which costs next to nothing. The model graph knows none of this.
 */
import type { Backend } from './backend.js';
import { BackendDecorator } from './backend_decorator.js';

/** The fraction of the work done, 0 < fraction ≤ 1: increasing, the last call exactly 1. */
export type ProgressCallback = (fraction: number) => void;

/** Forwards to `inner`, adding up the FLOP of the ops; `compute` false skips the ops' computing. */
class CountingBackend extends BackendDecorator {
  flop = 0;

  constructor(
    inner: Backend,
    private readonly compute: boolean,
    private readonly afterOp: (flop: number) => void = () => undefined,
  ) {
    super(inner);
  }

  protected op(_label: () => string, flop: number, run: () => void): void {
    if (this.compute) run();
    this.flop += flop;
    if (flop > 0) this.afterOp(this.flop);
  }
}

/**
 * `run` on `backend`, calling `onProgress` with the fraction of its FLOP done after each
 * op that does some; without `onProgress`, just `run(backend)`. `run` must do the same
 * ops whatever the values it computes (a model's forward pass does).
 */
export function runWithProgress<T>(backend: Backend, onProgress: ProgressCallback | undefined, run: (be: Backend) => T): T {
  if (onProgress === undefined) return run(backend);
  const walk = new CountingBackend(backend, false);
  run(walk);
  const total = walk.flop;
  let last = 0;
  const result = run(new CountingBackend(backend, true, (done) => {
    // done reaches total exactly (integer sums far below 2^53), so the last call is 1.
    last = Math.min(done / total, 1);
    onProgress(last);
  }));
  if (last < 1) onProgress(1);
  return result;
}
