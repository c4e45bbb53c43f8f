/**
 * The anchors runs' results, one section per model configuration: a row per engine and
 * thread count (min and median times, the ratio vqgan-wasm ÷ engine, token agreement
 * with vqgan-wasm), the kernel roofline of vqgan-wasm, and the run's machine. Kept as
 * JSON (bench/anchors.json), where a run replaces the configurations it ran and keeps
 * the others, and written from it as a Markdown block into bench/RESULTS.md (between
 * markers, replaced whole).
 */
import type { BenchResult, OpReport, Timing } from '../../src/bench/bench.js';
import { timing } from '../../src/bench/bench.js';

/** What an engine runner prints for one thread count. */
export interface EngineRun {
  readonly engine: string;
  readonly threads: number;
  readonly encode_s: readonly number[];
  readonly decode_s: readonly number[];
  readonly tokens: readonly number[];
}

export interface Row {
  readonly engine: string;
  readonly threads: number;
  readonly encode: Timing;
  readonly decode: Timing;
  /** Positions where the engine's tokens equal vqgan-wasm's (Node), of all. */
  readonly tokens_equal: number;
  readonly tokens_total: number;
}

export interface SizeResults {
  readonly size: string;
  readonly rows: Row[];
  /** vqgan-wasm's per-op figures (Node, the most threads). */
  readonly roofline: Roofline;
  /** The same in the fast mode, where it ran. */
  readonly fastRoofline?: Roofline;
}

export interface Roofline {
  readonly threads: number;
  readonly peak_gflops: number;
  readonly ops: readonly OpReport[];
}

/** One configuration's figures, from one run. */
export interface ConfigResults {
  /** A RELEASED_CONFIGS name, or the weights file's name: a later run of the same replaces these. */
  readonly model: string;
  /** What it is, in words: the family that publishes it, its configuration. */
  readonly about: string;
  readonly weights: string;
  readonly date: string;
  readonly command: string;
  readonly machine: string;
  readonly versions: Record<string, string>;
  readonly repeat: number;
  readonly sizes: SizeResults[];
}

export interface AnchorsReport {
  readonly configurations: ConfigResults[];
}

/** `previous` with the configurations of `run` replaced (in place) or added (at the end). */
export function mergeReports(previous: AnchorsReport | undefined, run: AnchorsReport): AnchorsReport {
  const kept = [...(previous?.configurations ?? [])];
  for (const c of run.configurations) {
    const at = kept.findIndex((k) => k.model === c.model);
    if (at >= 0) kept[at] = c;
    else kept.push(c);
  }
  return { configurations: kept };
}

/** bench/anchors.json's text → the report; an error naming the file when it is not one. */
export function parseReport(text: string, file: string): AnchorsReport {
  const report = JSON.parse(text) as Partial<AnchorsReport>;
  if (!Array.isArray(report.configurations)) {
    throw new Error(`${file}: not an anchors report (no "configurations" list)`);
  }
  return report as AnchorsReport;
}

function agreement(
  tokens: readonly number[],
  reference: readonly number[],
): { tokens_equal: number; tokens_total: number; } {
  const n = Math.min(tokens.length, reference.length);
  let equal = 0;
  for (let i = 0; i < n; i++) if (tokens[i] === reference[i]) equal++;
  return { tokens_equal: equal, tokens_total: reference.length };
}

export function rowOfBench(engine: string, r: BenchResult, reference: readonly number[]): Row {
  return { engine, threads: r.threads, encode: r.encode, decode: r.decode, ...agreement(r.tokens, reference) };
}

export function rowOfRun(run: EngineRun, reference: readonly number[]): Row {
  return {
    engine: run.engine,
    threads: run.threads,
    encode: timing(run.encode_s),
    decode: timing(run.decode_s),
    ...agreement(run.tokens, reference),
  };
}

const s3 = (x: number): string => x.toFixed(3);

/** vqgan-wasm (Node) at the row's thread count ÷ the row: under 1, vqgan-wasm is faster. */
function ratios(row: Row, ours: readonly Row[]): [string, string] {
  const base = ours.find((r) => r.threads === row.threads);
  if (base === undefined) return ['–', '–'];
  return [(base.encode.min_s / row.encode.min_s).toFixed(2), (base.decode.min_s / row.decode.min_s).toFixed(2)];
}

export const BEGIN = '<!-- anchors:begin: written by `npm run bench:anchors`; a new run replaces it -->';
export const END = '<!-- anchors:end -->';

export function markdown(report: AnchorsReport): string {
  const lines = [
    BEGIN,
    '## Anchors: vqgan-wasm against the alternatives',
    '',
    'One section per model configuration, each from its own run (the machine, versions and command are given with it). The weights are the same values in every engine (PyTorch and the ONNX graphs read them as float32 safetensors).',
    'Ratio: vqgan-wasm (Node) ÷ the engine, at the same thread count (under 1: vqgan-wasm is faster; for the fast rows, the fast mode\'s speed-up).',
    'Tokens: the engine\'s tokens for the benchmark image against vqgan-wasm\'s (from the warm-up run).',
  ];
  for (const c of report.configurations) {
    lines.push(
      '',
      `### ${c.model}: ${c.about}`,
      '',
      `Run on ${c.date} by \`${c.command}\` on ${c.machine}.`,
      `Versions: ${Object.entries(c.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
      `Weights: ${c.weights}.`,
      `Each figure is the min and the median of ${c.repeat} runs after a warm-up; the engines ran one after another.`,
    );
    for (const size of c.sizes) lines.push(...sizeSection(size));
  }
  lines.push(END);
  return lines.join('\n');
}

function sizeSection(size: SizeResults): string[] {
  const ours = size.rows.filter((r) => r.engine.startsWith('vqgan-wasm (Node'));
  const lines = [
    '',
    `#### ${size.size.replace('x', '×')}`,
    '',
    '| engine | threads | encode min s | encode median s | decode min s | decode median s | ratio encode | ratio decode | tokens equal |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of size.rows) {
    const [re, rd] = ratios(r, ours);
    lines.push(
      `| ${r.engine} | ${r.threads} | ${s3(r.encode.min_s)} | ${s3(r.encode.median_s)} | ${s3(r.decode.min_s)} | ${
        s3(r.decode.median_s)
      } | ${re} | ${rd} | ${r.tokens_equal}/${r.tokens_total} |`,
    );
  }
  lines.push(...rooflineTable('vqgan-wasm', size.size, size.roofline));
  if (size.fastRoofline !== undefined) {
    lines.push(
      ...rooflineTable('vqgan-wasm fast mode', size.size, size.fastRoofline),
      '',
      'Fast mode: an op\'s GFLOP/s count the FLOP of the direct convolution, so that the two tables compare; Winograd does a fifth to a half of the multiplies of the 3×3 convolutions.',
    );
  }
  return lines;
}

function rooflineTable(what: string, size: string, { threads, peak_gflops: peak, ops }: Roofline): string[] {
  const lines = [
    '',
    `Kernel roofline, ${what} (Node, ${threads} thread${threads > 1 ? 's' : ''}, ${
      size.replace('x', '×')
    }): each op's GFLOP/s and its share of the SIMD128 peak measured in the same run (${
      peak.toFixed(1)
    } GFLOP/s per thread × ${threads}); ops under 1% of the time left out.`,
    '',
    '| op (per encode + decode) | calls | seconds | GFLOP/s | of peak |',
    '| --- | --- | --- | --- | --- |',
  ];
  const total = ops.reduce((t, o) => t + o.seconds, 0);
  for (const o of ops.filter((x) => x.seconds >= 0.01 * total)) {
    lines.push(
      `| ${o.op} | ${o.calls} | ${s3(o.seconds)} | ${o.gflops ? o.gflops.toFixed(1) : '–'} | ${
        o.gflops ? `${(100 * o.share_of_peak).toFixed(0)}%` : '–'
      } |`,
    );
  }
  return lines;
}

/** RESULTS.md with the block replaced, or inserted before its first section. */
export function withBlock(results: string, block: string): string {
  const begin = results.indexOf('<!-- anchors:begin');
  const end = results.indexOf(END);
  if (begin >= 0 && end > begin) return `${results.slice(0, begin)}${block}${results.slice(end + END.length)}`;
  const first = results.indexOf('\n## ');
  return first < 0
    ? `${results}\n\n${block}\n`
    : `${results.slice(0, first + 1)}${block}\n\n${results.slice(first + 1)}`;
}
