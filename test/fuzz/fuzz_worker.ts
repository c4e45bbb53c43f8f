/**
 * One fuzzing lane, in a worker thread so that the runner can stop it when an input
 * hangs or exhausts its memory: makes input i of `format` for i in [from, to), reads
 * it, and posts { i, phase: 'start' } before and the outcome after each one.
 */
import '../../src/entries/install_node.js';
import { parentPort, workerData } from 'node:worker_threads';
import { VqganError } from '../../src/core/errors.js';
import { mutate } from './mutate.js';
import { Random } from './random.js';
import { TARGETS } from './targets.js';

export interface LaneTask {
  readonly format: string;
  readonly seed: number;
  readonly from: number;
  readonly to: number;
}

export type Outcome = { kind: 'loaded'; } | { kind: 'refused'; code: string; } | { kind: 'other'; error: string; };

export type LaneMessage =
  | { readonly phase: 'start'; readonly i: number; }
  | {
    readonly phase: 'done';
    readonly i: number;
    readonly outcome: Outcome;
    readonly ms: number;
    readonly steps?: string[];
  };

const { format, seed, from, to } = workerData as LaneTask;
const target = TARGETS[format]!;
const seeds = await target.seeds();
const post = (m: LaneMessage): void => parentPort!.postMessage(m);

for (let i = from; i < to; i++) {
  const rng = Random.of(format, seed, i);
  const input = mutate(rng.pick(seeds), rng);
  if (target.repair !== undefined && rng.below(2) === 0) input.steps.push(target.repair(input.bytes));
  post({ phase: 'start', i });
  const start = performance.now();
  let outcome: Outcome;
  try {
    await target.load(input.bytes);
    outcome = { kind: 'loaded' };
  } catch (err) {
    outcome = err instanceof VqganError
      ? { kind: 'refused', code: err.code }
      : { kind: 'other', error: String((err as Error)?.stack ?? err) };
  }
  post({
    phase: 'done',
    i,
    outcome,
    ms: performance.now() - start,
    ...(outcome.kind === 'other' ? { steps: input.steps } : {}),
  });
}
