/**
 * A backend that forwards to another and records, per op and shape, the calls, the
 * time spent and the FLOP done (compute/op_flop.ts: a multiply and an add count 2), for
 * per-op GFLOP/s.
 */
import { BackendDecorator } from '../compute/backend_decorator.js';

export interface OpStats {
  readonly op: string;
  calls: number;
  seconds: number;
  flop: number;
}

export class TimedBackend extends BackendDecorator {
  readonly stats = new Map<string, OpStats>();

  protected op(label: () => string, flop: number, run: () => void): void {
    const start = performance.now();
    run();
    const seconds = (performance.now() - start) / 1000;
    const op = label();
    let s = this.stats.get(op);
    if (s === undefined) this.stats.set(op, s = { op, calls: 0, seconds: 0, flop: 0 });
    s.calls++;
    s.seconds += seconds;
    s.flop += flop;
  }

  reset(): void {
    this.stats.clear();
  }
}
