/**
 * `vqgan bench`: end-to-end encode and decode times of a loaded model (min and median
 * over --repeat runs after a warm-up), per-op time and GFLOP/s, peak memory, and the
 * share of this machine's SIMD128 peak, measured here by f32_simd_peak.
 */
import { createBackend } from '../src/api.js';
import type { BackendName } from '../src/backend.js';
import { runtimeName } from '../src/env.js';
import { F16_16384, type VqganConfig } from '../src/model/config.js';
import { Params, type ParamSource } from '../src/model/params.js';
import { VQModel } from '../src/model/vqgan.js';
import { Tensor } from '../src/tensor.js';
import { WasmBackend } from '../src/wasm/backend.js';
import { SIMD_PEAK_FLOP_PER_ITERATION, instantiateKernels } from '../src/wasm/kernels.js';
import { loadWeights } from '../src/weights/load.js';
import { SyntheticParams } from './synthetic_weights.js';
import { TimedBackend, type OpStats } from './timed_backend.js';

export interface BenchOptions {
  readonly size: readonly [number, number];
  readonly repeat: number;
  readonly backend: BackendName;
  /** A weights file; synthetic f16_16384 weights (seed 1) when absent. */
  readonly weights?: string;
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
  readonly share_of_peak: number;
}

export interface BenchResult {
  readonly size: string;
  readonly threads: number;
  readonly backend: BackendName;
  readonly weights: string;
  readonly repeat: number;
  readonly encode: Timing;
  readonly decode: Timing;
  readonly peak_gflops: number;
  readonly peak_rss_mb: number;
  readonly wasm_memory_mb: number;
  readonly ops: readonly OpReport[];
  readonly runtime: string;
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

function timing(seconds: number[]): Timing {
  const sorted = [...seconds].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min_s: sorted[0]!, median_s: median };
}

/** xorshift32 in [−1, 1): the same synthetic image every run. */
function syntheticImage(h: number, w: number): Tensor {
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
  const usage = (globalThis as { process?: { resourceUsage?: () => { maxRSS: number } } }).process?.resourceUsage?.();
  return usage === undefined ? NaN : usage.maxRSS / 1024;
}

export async function runBench(options: BenchOptions, log: (line: string) => void = () => undefined): Promise<BenchResult> {
  const peak = await measureSimdPeak();
  log(`SIMD128 peak (12 f32x4 multiply-add chains): ${peak.toFixed(1)} GFLOP/s`);
  const inner = await createBackend(options.backend);
  const be = new TimedBackend(inner);
  let source: ParamSource;
  let config: VqganConfig;
  let weights: string;
  if (options.weights === undefined) {
    source = new SyntheticParams(be, 1);
    config = F16_16384;
    weights = 'synthetic f16_16384 (seed 1)';
  } else {
    const loaded = await loadWeights(options.weights);
    source = new Params(loaded.tensors, be, options.weights);
    config = loaded.config;
    weights = options.weights;
  }
  const model = new VQModel(source, config, be);
  log(`model ready: ${weights}`);

  const [h, w] = options.size;
  const image = syntheticImage(h, w);
  const f = model.factor;
  const grid = { height: h / f, width: w / f, tokens: new Int32Array((h / f) * (w / f)).map((_, i) => (i * 7919) % config.n_embed) };
  const encode = (): void => {
    const latent = model.encodeLatent(image);
    model.tokensOf(latent);
    be.release(latent);
  };
  const decode = (): void => be.release(model.decodeTokens(grid));

  encode(); // warm-up: compiles, grows the memory to its steady size
  decode();
  be.reset();
  const times = { encode: [] as number[], decode: [] as number[] };
  for (let r = 0; r < options.repeat; r++) {
    for (const [what, run] of [['encode', encode], ['decode', decode]] as const) {
      const start = performance.now();
      run();
      const seconds = (performance.now() - start) / 1000;
      times[what].push(seconds);
      log(`  ${what} ${r + 1}/${options.repeat}: ${seconds.toFixed(3)} s`);
    }
  }
  const ops: OpReport[] = [...be.stats.values()]
    .sort((a: OpStats, b: OpStats) => b.seconds - a.seconds)
    .map((s) => {
      const gflops = s.flop === 0 ? 0 : s.flop / s.seconds / 1e9;
      return { op: s.op, calls: s.calls / options.repeat, seconds: s.seconds / options.repeat, gflops, share_of_peak: gflops / peak };
    });
  return {
    size: `${h}x${w}`,
    threads: 1,
    backend: inner.name,
    weights,
    repeat: options.repeat,
    encode: timing(times.encode),
    decode: timing(times.decode),
    peak_gflops: peak,
    peak_rss_mb: peakRssMb(),
    wasm_memory_mb: inner instanceof WasmBackend ? inner.peakBytes / 2 ** 20 : 0,
    ops,
    runtime: runtimeName(),
  };
}

export function formatBench(r: BenchResult): string {
  const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;
  const lines = [
    `vqgan bench: ${r.size}, ${r.backend} backend, ${r.threads} thread, ${r.weights}, ${r.repeat} runs after a warm-up (${r.runtime})`,
    `  encode  min ${r.encode.min_s.toFixed(3)} s  median ${r.encode.median_s.toFixed(3)} s`,
    `  decode  min ${r.decode.min_s.toFixed(3)} s  median ${r.decode.median_s.toFixed(3)} s`,
    `  SIMD128 peak ${r.peak_gflops.toFixed(1)} GFLOP/s; peak RSS ${r.peak_rss_mb.toFixed(0)} MB (WebAssembly memory ${r.wasm_memory_mb.toFixed(0)} MB)`,
    '',
    '  op (per encode + decode)                        calls   seconds   GFLOP/s   of peak',
  ];
  for (const o of r.ops) {
    lines.push(`  ${o.op.padEnd(46)} ${String(o.calls).padStart(6)} ${o.seconds.toFixed(3).padStart(9)} ${o.gflops ? o.gflops.toFixed(1).padStart(9) : '        -'} ${o.gflops ? pct(o.share_of_peak).padStart(9) : '        -'}`);
  }
  return lines.join('\n');
}
