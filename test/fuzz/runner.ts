/**
 * Runs the fuzzer: per format, inputs 0..count−1 in a worker lane (two lanes at a
 * time by default). An input must load or fail with a VqganError within `boundMs`;
 * anything else — another error, a hang (the lane is stopped and goes on with the next
 * input), a worker dying of memory exhaustion — is a failure, reported with the input's
 * number and the mutations that made it.
 */
import { Worker } from 'node:worker_threads';
import type { LaneMessage, LaneTask } from './fuzz_worker.js';

export interface Failure {
  readonly i: number;
  readonly what: string;
  readonly steps?: readonly string[];
}

export interface FormatReport {
  readonly format: string;
  tried: number;
  loaded: number;
  /** VqganErrors by code. */
  readonly refused: Record<string, number>;
  /** Anything else: other errors, hangs, workers that died. */
  readonly failures: Failure[];
  /** The slowest input. */
  maxMs: number;
  slowest: number;
}

export interface FuzzOptions {
  readonly seed: number;
  /** Inputs per format. */
  readonly counts: Readonly<Record<string, number>>;
  /** Lanes running at once. */
  readonly lanes?: number;
  /** Time allowed per input. */
  readonly boundMs?: number;
  /** The lane's heap; an input that needs more is a failure. */
  readonly heapMb?: number;
}

export const DEFAULT_BOUND_MS = 10_000;

function runLane(task: LaneTask, report: FormatReport, boundMs: number, heapMb: number): Promise<number> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./fuzz_worker.js', import.meta.url), {
      workerData: task,
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
    let current = task.from;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    let heard = false;
    /** The lane ends; `next` is where a new lane must go on from. */
    const end = (next: number): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(next);
    };
    const fail = (what: string): void => {
      report.tried++;
      report.failures.push({ i: current, what });
      // a lane that dies before its first input (making the seeds) would die again
      end(heard ? current + 1 : task.to);
    };
    worker.on('message', (m: LaneMessage) => {
      heard = true;
      current = m.i;
      clearTimeout(timer);
      if (m.phase === 'start') {
        timer = setTimeout(() => fail(`no result within ${boundMs} ms (hung)`), boundMs);
        return;
      }
      report.tried++;
      if (m.ms > report.maxMs) {
        report.maxMs = m.ms;
        report.slowest = m.i;
      }
      if (m.ms > boundMs) report.failures.push({ i: m.i, what: `took ${Math.round(m.ms)} ms (bound ${boundMs})` });
      else if (m.outcome.kind === 'loaded') report.loaded++;
      else if (m.outcome.kind === 'refused') report.refused[m.outcome.code] = (report.refused[m.outcome.code] ?? 0) + 1;
      else report.failures.push({ i: m.i, what: m.outcome.error, steps: m.steps });
      current = m.i + 1;
    });
    worker.on('error', (err) => fail(`the worker died: ${err.message}`));
    worker.on('exit', () => (current >= task.to ? end(task.to) : fail('the worker exited early')));
  });
}

async function fuzzFormat(format: string, count: number, options: FuzzOptions): Promise<FormatReport> {
  const report: FormatReport = { format, tried: 0, loaded: 0, refused: {}, failures: [], maxMs: 0, slowest: -1 };
  for (let from = 0; from < count;) {
    from = await runLane(
      { format, seed: options.seed, from, to: count },
      report,
      options.boundMs ?? DEFAULT_BOUND_MS,
      options.heapMb ?? 1024,
    );
  }
  return report;
}

export async function runFuzz(options: FuzzOptions, onReport?: (r: FormatReport) => void): Promise<FormatReport[]> {
  const queue = Object.entries(options.counts);
  const reports: FormatReport[] = [];
  const lane = async (): Promise<void> => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      const report = await fuzzFormat(job[0], job[1], options);
      reports.push(report);
      onReport?.(report);
    }
  };
  await Promise.all(Array.from({ length: options.lanes ?? 2 }, lane));
  const order = Object.keys(options.counts);
  return reports.sort((a, b) => order.indexOf(a.format) - order.indexOf(b.format));
}

/** A table row: format, tried, loaded, refused (by code), failures, slowest. */
export function describeReport(r: FormatReport): string {
  const codes = Object.entries(r.refused).sort().map(([c, n]) => `${c} ${n}`).join(', ');
  const refused = Object.values(r.refused).reduce((a, b) => a + b, 0);
  return `| ${r.format} | ${r.tried} | ${r.loaded} | ${refused} (${codes || 'none'}) | ${r.failures.length} | ${
    r.maxMs.toFixed(0)
  } ms (#${r.slowest}) |`;
}

export const REPORT_HEADER =
  '| format | inputs | loaded | refused with VqganError | anything else | slowest |\n| --- | --- | --- | --- | --- | --- |';
