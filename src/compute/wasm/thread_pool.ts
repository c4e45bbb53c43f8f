/**
 * Threads over one shared WebAssembly memory. A job is one ranged kernel call (see
 * RANGED_KERNEL_NAMES) whose range [0, total) is cut into fixed pieces of `unit`; the
 * calling thread and the workers claim pieces one at a time until none is left. A piece's
 * outputs are computed by one thread in the kernel's canonical order, and the pieces do
 * not depend on the thread count, so the bytes are the same with any number of threads.
 *
 * A job names its arguments (KernelArgs); run() puts them in the kernel's parameter order.
 * The job lives in a small shared control block of Int32 slots (below), followed by up
 * to MAX_ARGS float64 arguments, each as two Int32 halves, and each argument's scratch
 * stride. Every access to the block is atomic, so all threads see its writes in one
 * order. A claim is a compare-and-swap on NEXT, which holds the job's tag (its
 * generation) with the next piece. Publishing a job first closes NEXT, then writes the
 * job, then opens NEXT with the new tag: a worker that woke late and read some of a newer
 * job's slots as its own can claim nothing, because its compare-and-swap expects the
 * older tag.
 */
import { VqganError } from '../../core/errors.js';
import { platform, type WorkerHandle } from '../../platform/platform.js';
import { canBlock } from '../../platform/runtime.js';
import {
  argNames, positionalArgs, RANGED_KERNEL_NAMES, type KernelArgs, type Kernels, type RangedKernelName,
} from './kernels.js';

const GEN = 0; // job generation: bumped to publish a job, waited on by idle workers
const NEXT = 1; // tag · 2^16 + next piece
const DONE = 2; // pieces finished in the current job
const STOP = 3; // 1: workers return
const KERNEL = 4; // index in RANGED_KERNEL_NAMES
const PIECES = 5;
const UNIT = 6;
const TOTAL = 7;
const ARGC = 8;
const FAILED = 9; // 1 + the thread index of the first piece that threw, 0 for none
const ARGS = 16; // first slot of the arguments
const MAX_ARGS = 16;
const STRIDES = ARGS + 2 * MAX_ARGS; // per argument: advanced by thread index × this many bytes
const CONTROL_BYTES = (STRIDES + MAX_ARGS) * 4;
const CLOSED = -1; // NEXT while a job is being written: no piece can be claimed

const MAX_PIECES = 0xffff;
const TAG_MASK = 0x7fff; // keeps NEXT a positive int32

interface KernelJob<K extends RangedKernelName> {
  readonly kernel: K;
  /** The kernel's arguments before the range. */
  readonly args: KernelArgs<K>;
  /** The range [0, total) is cut into pieces of `unit` (the last may be shorter). */
  readonly total: number;
  readonly unit: number;
  /** Per-thread scratch buffers: each argument named here is advanced by thread index × its bytes. */
  readonly scratch?: { readonly [P in keyof KernelArgs<K>]?: number };
}

/** One ranged kernel call, its arguments named. */
export type Job = { [K in RangedKernelName]: KernelJob<K> }[RangedKernelName];

/** Each positional argument's scratch stride in bytes per thread (0: the same for all threads). */
function scratchStrides(job: Job): number[] {
  const scratch: Readonly<Record<string, number | undefined>> = job.scratch ?? {};
  return argNames(job.kernel).map((name) => scratch[name] ?? 0);
}

/** A float64 as two int32 halves and back, for atomic stores and loads. */
const bits = new Float64Array(1);
const halves = new Int32Array(bits.buffer);

/** One thread's view of the control block. */
class Control {
  readonly i32: Int32Array;
  /** What the calling thread's own piece threw, when FAILED names thread 0. */
  mainError: unknown;
  constructor(readonly buffer: ArrayBufferLike) {
    this.i32 = new Int32Array(buffer);
  }

  storeArgs(args: readonly number[], strides: readonly number[]): void {
    args.forEach((a, i) => {
      bits[0] = a;
      Atomics.store(this.i32, ARGS + 2 * i, halves[0]!);
      Atomics.store(this.i32, ARGS + 2 * i + 1, halves[1]!);
      Atomics.store(this.i32, STRIDES + i, strides[i]!);
    });
  }

  /** The arguments as thread `thread` passes them: each advanced to its own scratch. */
  loadArgs(count: number, thread: number): number[] {
    return Array.from({ length: count }, (_, i) => {
      halves[0] = Atomics.load(this.i32, ARGS + 2 * i);
      halves[1] = Atomics.load(this.i32, ARGS + 2 * i + 1);
      return bits[0]! + thread * Atomics.load(this.i32, STRIDES + i);
    });
  }

  /**
   * Claims and computes pieces of the job published as `gen` until none is left;
   * returns without computing when a newer job has replaced it.
   */
  work(k: Kernels, gen: number, thread: number): void {
    const { i32 } = this;
    const pieces = Atomics.load(i32, PIECES);
    const unit = Atomics.load(i32, UNIT);
    const total = Atomics.load(i32, TOTAL);
    const args = this.loadArgs(Atomics.load(i32, ARGC), thread);
    const kernel = k[RANGED_KERNEL_NAMES[Atomics.load(i32, KERNEL)]!] as (...a: number[]) => void;
    // The arguments read above belong to `gen` only if no newer job was published meanwhile.
    if (Atomics.load(i32, GEN) !== gen) return;
    const tag = (gen & TAG_MASK) * 65536;
    for (;;) {
      const next = Atomics.load(i32, NEXT);
      const piece = next - tag;
      if (piece < 0 || piece >= pieces) return;
      if (Atomics.compareExchange(i32, NEXT, next, next + 1) !== next) continue;
      const lo = piece * unit;
      // A piece that throws (a trap) still counts as done, so that the calling thread
      // never waits forever; it sees FAILED and throws in its place. The pieces left
      // are skipped.
      if (Atomics.load(i32, FAILED) === 0) {
        try {
          kernel(...args, lo, Math.min(total, lo + unit));
        } catch (err) {
          Atomics.compareExchange(i32, FAILED, 0, thread + 1);
          if (thread === 0) this.mainError = err;
        }
      }
      if (Atomics.add(i32, DONE, 1) + 1 === pieces) Atomics.notify(i32, DONE);
    }
  }
}

/** What a worker needs to start (see src/entries/pool_worker.ts). */
export interface WorkerStart {
  /** The compiled kernels (src/compute/wasm/kernel_binaries.ts), instantiated again over `memory`. */
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly control: SharedArrayBuffer;
  readonly thread: number;
}

/** The loop a worker runs for its lifetime: wait for a job, help with it, repeat. */
export function serveJobs(k: Kernels, control: SharedArrayBuffer, thread: number): void {
  const c = new Control(control);
  let seen = Atomics.load(c.i32, GEN);
  for (;;) {
    Atomics.wait(c.i32, GEN, seen);
    if (Atomics.load(c.i32, STOP) === 1) return;
    seen = Atomics.load(c.i32, GEN);
    c.work(k, seen, thread);
  }
}

export class ThreadPool {
  private gen = 0;
  private readonly blocking: boolean;

  private constructor(
    private readonly k: Kernels,
    private readonly control: Control,
    private readonly workers: readonly WorkerHandle[],
  ) {
    this.blocking = workers.length > 0 && canBlock();
  }

  /** Threads in all: the calling thread and its workers. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * A pool of `threads` (the caller plus threads − 1 workers, each with its own instance
   * of the kernels over `memory`, which must be shared when threads > 1).
   */
  static async start(k: Kernels, module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number): Promise<ThreadPool> {
    // One thread needs no sharing (and a browser page that is not isolated has none).
    const control = new Control(threads > 1 ? new SharedArrayBuffer(CONTROL_BYTES) : new ArrayBuffer(CONTROL_BYTES));
    const workers: WorkerHandle[] = [];
    try {
      const ready: Promise<void>[] = [];
      for (let thread = 1; thread < threads; thread++) {
        const worker = await platform().workers.start('pool');
        workers.push(worker);
        worker.keepAlive(true); // until it is ready; then it never keeps a process alive
        ready.push(new Promise<void>((resolve, reject) => {
          worker.onError(reject);
          worker.onMessage((answer) => {
            const { error } = answer as { error?: string };
            if (error === undefined) resolve();
            else reject(new Error(error));
          });
        }));
        worker.post({ module, memory, control: control.buffer as SharedArrayBuffer, thread } satisfies WorkerStart);
      }
      await Promise.all(ready);
      for (const w of workers) w.keepAlive(false);
    } catch (err) {
      for (const w of workers) w.terminate();
      throw new VqganError('UNSUPPORTED', `cannot start ${threads - 1} worker threads: ${(err as Error).message}`);
    }
    return new ThreadPool(k, control, workers);
  }

  /** Runs every piece of `job`, on this thread and the workers; returns when all are done. */
  run(job: Job): void {
    const pieces = Math.ceil(job.total / job.unit);
    const args = positionalArgs(job.kernel, job.args);
    if (pieces > MAX_PIECES || args.length > MAX_ARGS) {
      throw new Error(`thread pool: ${job.kernel} with ${pieces} pieces and ${args.length} arguments is too large`);
    }
    if (pieces === 0) return;
    const { i32 } = this.control;
    const gen = (this.gen = (this.gen + 1) | 0);
    Atomics.store(i32, NEXT, CLOSED);
    Atomics.store(i32, KERNEL, RANGED_KERNEL_NAMES.indexOf(job.kernel));
    Atomics.store(i32, PIECES, pieces);
    Atomics.store(i32, UNIT, job.unit);
    Atomics.store(i32, TOTAL, job.total);
    Atomics.store(i32, ARGC, args.length);
    this.control.storeArgs(args, scratchStrides(job));
    Atomics.store(i32, DONE, 0);
    Atomics.store(i32, FAILED, 0);
    Atomics.store(i32, NEXT, (gen & TAG_MASK) * 65536);
    Atomics.store(i32, GEN, gen);
    if (this.workers.length > 0) Atomics.notify(i32, GEN);
    this.control.work(this.k, gen, 0);
    for (let done = Atomics.load(i32, DONE); done < pieces; done = Atomics.load(i32, DONE)) {
      // A browser's main thread may not block: it spins on the counter instead.
      if (this.blocking) Atomics.wait(i32, DONE, done);
    }
    const failed = Atomics.load(i32, FAILED);
    if (failed !== 0) {
      const why = failed === 1 ? (this.control.mainError as Error)?.message : `on worker thread ${failed - 1}`;
      // A kernel that traps is a bug of this project, not a user's mistake: no VqganError.
      throw new Error(`kernel ${job.kernel} failed ${failed === 1 ? `: ${why}` : why}`);
    }
  }

  /** Stops and ends the workers; the pool is not used again. */
  close(): void {
    Atomics.store(this.control.i32, STOP, 1);
    Atomics.add(this.control.i32, GEN, 1);
    Atomics.notify(this.control.i32, GEN);
    for (const w of this.workers) w.terminate();
  }
}
