/**
 * `vqgan bench`: end-to-end encode and decode times of a loaded model (min and median
 * over --repeat runs after a warm-up), per-op time and GFLOP/s, peak memory, and the
 * share of this machine's SIMD128 peak, measured here by f32_simd_peak.
 */
import { createBackend } from '../api/engine.js';
import type { Backend, BackendName, ComputeMode } from '../compute/backend.js';
import { runtimeName } from '../platform/runtime.js';
import { downFactor, fitsFactor, type VqganConfig } from '../model/config.js';
import { releasedConfig } from '../model/released_configs.js';
import { Params, type ParamSource } from '../model/params.js';
import { VQModel } from '../model/vqgan.js';
import { Tensor } from '../core/tensor.js';
import { VqganError } from '../core/errors.js';
import type { TokenGrid } from '../core/tokens.js';
import { WasmBackend } from '../compute/wasm/backend.js';
import { SIMD_PEAK_FLOP_PER_ITERATION } from '../compute/wasm/kernels.js';
import { instantiateKernels } from '../compute/wasm/kernel_binaries.js';
import { loadWeights } from '../weights/load.js';
import { SyntheticParams } from './synthetic_weights.js';
import { TimedBackend, type OpStats } from './timed_backend.js';

export interface BenchOptions {
  /** H, W; default: the configuration's native `resolution` square. */
  readonly size?: readonly [number, number];
  readonly repeat: number;
  readonly backend: BackendName;
  /** The 3×3 convolutions' mode (default exact). */
  readonly mode?: ComputeMode;
  /** Thread counts to time, alternating between them; default: the available cores. */
  readonly threads?: readonly number[];
  /** A weights file; seeded synthetic weights (seed 1) of `model` when absent. */
  readonly weights?: string;
  /** A RELEASED_CONFIGS name, for the synthetic weights (default f16_16384); not with `weights`. */
  readonly model?: string;
}

export interface Timing {
  readonly min_s: number;
  readonly median_s: number;
}

export interface OpReport {
  readonly op: string;
  readonly calls: number;
  /** Per encode + decode pair. */
  readonly seconds: number;
  readonly gflops: number;
  /** Of the SIMD128 peak of all the threads (one thread's peak × threads). */
  readonly share_of_peak: number;
}

export interface BenchResult {
  /** The RELEASED_CONFIGS name of the synthetic weights; null for a weights file. */
  readonly model: string | null;
  readonly size: string;
  readonly threads: number;
  readonly backend: BackendName;
  readonly mode: ComputeMode;
  readonly weights: string;
  readonly repeat: number;
  readonly encode: Timing;
  readonly decode: Timing;
  readonly peak_gflops: number;
  /** Of the whole process: every thread count's model is loaded at once. */
  readonly peak_rss_mb: number;
  readonly wasm_memory_mb: number;
  readonly ops: readonly OpReport[];
  readonly runtime: string;
  /** The synthetic image's tokens (row-major): other engines' tokens are checked against them. */
  readonly tokens: readonly number[];
}

/** GFLOP/s of the SIMD128 multiply-add chains, best of five half-second-ish runs. */
export async function measureSimdPeak(): Promise<number> {
  const k = await instantiateKernels(new WebAssembly.Memory({ initial: 1 }));
  k.f32_simd_peak(1e6); // compile and warm up
  let best = 0;
  const iterations = 2e7;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    k.f32_simd_peak(iterations);
    const seconds = (performance.now() - start) / 1000;
    best = Math.max(best, (iterations * SIMD_PEAK_FLOP_PER_ITERATION) / seconds / 1e9);
  }
  return best;
}

export function timing(seconds: readonly number[]): Timing {
  const sorted = [...seconds].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min_s: sorted[0]!, median_s: median };
}

/** xorshift32 in [−1, 1): the same synthetic image every run. */
export function syntheticImage(h: number, w: number): Tensor {
  const t = new Tensor([3, h, w]);
  let s = 12345;
  for (let i = 0; i < t.data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    t.data[i] = (s >>> 0) / 2 ** 31 - 1;
  }
  return t;
}

function peakRssMb(): number {
  const usage = (globalThis as { process?: { resourceUsage?: () => { maxRSS: number; }; }; }).process
    ?.resourceUsage?.();
  return usage === undefined ? NaN : usage.maxRSS / 1024;
}

/** The token grid every bench decodes: token i is (i · 7919) mod n_embed. */
export function syntheticGrid(height: number, width: number, nEmbed: number): TokenGrid {
  return { height, width, tokens: new Int32Array(height * width).map((_, i) => (i * 7919) % nEmbed) };
}

/** One thread count's model, ready to time. */
interface Subject {
  readonly size: readonly [number, number];
  readonly backend: Backend;
  readonly timed: TimedBackend;
  /** Returns the synthetic image's tokens. */
  readonly encode: () => Int32Array;
  readonly decode: () => void;
  /** The synthetic image's tokens, from the warm-up. */
  readonly tokens: Int32Array;
  readonly times: { encode: number[]; decode: number[]; };
}

/** `size` (default: the native resolution) checked against the model's downsampling factor. */
function benchSize(size: readonly [number, number] | undefined, config: VqganConfig): readonly [number, number] {
  const [h, w] = size ?? [config.resolution, config.resolution];
  const f = downFactor(config);
  if (!fitsFactor(h, w, f)) {
    throw new VqganError(
      'BAD_VALUE',
      `--size ${h}x${w}: height and width must be positive multiples of ${f}, the model's downsampling factor`,
    );
  }
  return [h, w];
}

/** `synthetic`: the configuration of the seeded weights, when no weights file is given. */
async function prepare(
  options: BenchOptions,
  threads: number | undefined,
  weights: string,
  synthetic: VqganConfig | undefined,
): Promise<Subject> {
  const backend = await createBackend(options.backend, threads, options.mode);
  try {
    const timed = new TimedBackend(backend);
    let source: ParamSource;
    let config: VqganConfig;
    if (synthetic !== undefined) {
      source = new SyntheticParams(timed, 1);
      config = synthetic;
    } else {
      const loaded = await loadWeights(options.weights!);
      source = new Params(loaded.tensors, timed, weights);
      config = loaded.config;
    }
    const size = benchSize(options.size, config);
    const model = new VQModel(source, config, timed);
    const [h, w] = size;
    const image = syntheticImage(h, w);
    const f = model.factor;
    const grid = syntheticGrid(h / f, w / f, config.n_embed);
    const encode = (): Int32Array => {
      const latent = model.encodeLatent(image);
      const tokens = model.tokensOf(latent);
      timed.release(latent);
      return tokens;
    };
    const decode = (): void => timed.release(model.decodeTokens(grid));
    const tokens = encode(); // warm-up: compiles, grows the memory to its steady size
    decode();
    timed.reset();
    return { size, backend, timed, encode, decode, tokens, times: { encode: [], decode: [] } };
  } catch (e) {
    backend.dispose();
    throw e;
  }
}

/**
 * Times each thread count in `options.threads` (default: the available cores). With
 * several, every count's model is loaded first and the runs alternate between them
 * (encode and decode at 1 thread, then at 2, …, repeated), so that a slow spell of a
 * shared machine falls on all of them alike and the speed-ups stay comparable.
 */
export async function runBench(
  options: BenchOptions,
  log: (line: string) => void = () => undefined,
): Promise<BenchResult[]> {
  const model = options.weights === undefined ? releasedConfig(options.model ?? 'f16_16384', '--model') : undefined;
  if (model !== undefined) benchSize(options.size, model.config); // a bad size fails before the peak is measured
  const peak = await measureSimdPeak();
  log(`SIMD128 peak (12 f32x4 multiply-add chains): ${peak.toFixed(1)} GFLOP/s`);
  const weights = options.weights ?? `synthetic ${model!.name} (seed 1)`;
  const subjects: Subject[] = [];
  try {
    for (const threads of options.threads ?? [undefined]) {
      subjects.push(await prepare(options, threads, weights, model?.config));
      log(`model ready: ${weights}, ${subjects.at(-1)!.backend.threads} thread(s)`);
    }
    for (let r = 0; r < options.repeat; r++) {
      for (const s of subjects) {
        for (const what of ['encode', 'decode'] as const) {
          const start = performance.now();
          s[what]();
          const seconds = (performance.now() - start) / 1000;
          s.times[what].push(seconds);
          log(`  ${what} ${r + 1}/${options.repeat}, ${s.backend.threads} thread(s): ${seconds.toFixed(3)} s`);
        }
      }
    }
  } finally {
    for (const s of subjects) s.backend.dispose();
  }
  const rss = peakRssMb();
  return subjects.map((s) => ({
    model: model?.name ?? null,
    size: `${s.size[0]}x${s.size[1]}`,
    threads: s.backend.threads,
    backend: s.backend.name,
    mode: s.backend.mode,
    weights,
    repeat: options.repeat,
    encode: timing(s.times.encode),
    decode: timing(s.times.decode),
    peak_gflops: peak,
    peak_rss_mb: rss,
    wasm_memory_mb: s.backend instanceof WasmBackend ? s.backend.peakBytes / 2 ** 20 : 0,
    ops: [...s.timed.stats.values()]
      .sort((a: OpStats, b: OpStats) => b.seconds - a.seconds)
      .map((o) => {
        const gflops = o.flop === 0 ? 0 : o.flop / o.seconds / 1e9;
        return {
          op: o.op,
          calls: o.calls / options.repeat,
          seconds: o.seconds / options.repeat,
          gflops,
          share_of_peak: gflops / (peak * s.backend.threads),
        };
      }),
    runtime: runtimeName(),
    tokens: Array.from(s.tokens),
  }));
}

export function formatBench(r: BenchResult): string {
  const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;
  const lines = [
    `vqgan bench: ${r.size}, ${r.backend} backend, ${r.mode} mode, ${r.threads} thread${
      r.threads > 1 ? 's' : ''
    }, ${r.weights}, ${r.repeat} runs after a warm-up (${r.runtime})`,
    `  encode  min ${r.encode.min_s.toFixed(3)} s  median ${r.encode.median_s.toFixed(3)} s`,
    `  decode  min ${r.decode.min_s.toFixed(3)} s  median ${r.decode.median_s.toFixed(3)} s`,
    `  SIMD128 peak ${r.peak_gflops.toFixed(1)} GFLOP/s per thread; peak RSS ${
      r.peak_rss_mb.toFixed(0)
    } MB (WebAssembly memory ${r.wasm_memory_mb.toFixed(0)} MB)`,
    ...(r.mode === 'fast'
      ? ['  (fast mode: GFLOP/s count the direct convolution\'s FLOP, not the fewer that Winograd does)']
      : []),
    '',
    '  op (per encode + decode)                        calls   seconds   GFLOP/s   of peak',
  ];
  for (const o of r.ops) {
    lines.push(
      `  ${o.op.padEnd(46)} ${String(o.calls).padStart(6)} ${o.seconds.toFixed(3).padStart(9)} ${
        o.gflops ? o.gflops.toFixed(1).padStart(9) : '        -'
      } ${o.gflops ? pct(o.share_of_peak).padStart(9) : '        -'}`,
    );
  }
  return lines.join('\n');
}

/** Speed-ups over the first thread count (min times), for `vqgan bench --threads 1,2,…`. */
export function formatScaling(runs: readonly BenchResult[]): string {
  const base = runs[0]!;
  const lines = ['threads   encode min (speed-up)    decode min (speed-up)'];
  for (const r of runs) {
    const cell = (t: Timing, b: Timing): string =>
      `${t.min_s.toFixed(3).padStart(8)} s (${(b.min_s / t.min_s).toFixed(2)}×)`;
    lines.push(
      `${String(r.threads).padStart(7)}   ${cell(r.encode, base.encode).padEnd(22)}   ${cell(r.decode, base.decode)}`,
    );
  }
  return lines.join('\n');
}
