/**
 * The anchors report (bench/anchors/report.ts): rows from engine runs (min, median,
 * token agreement), ratios against vqgan-wasm at the same thread count, one section per
 * configuration (a run replaces the sections of the configurations it ran), and the block
 * written into bench/RESULTS.md, replacing the last one. The run itself
 * (`npm run bench:anchors`) needs packages that `npm install` does not bring.
 */
import '../../src/entries/install_node.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BenchResult } from '../../src/bench/bench.js';
import {
  END,
  markdown,
  mergeReports,
  parseReport,
  rowOfBench,
  rowOfRun,
  withBlock,
  type AnchorsReport,
  type ConfigResults,
} from '../../bench/anchors/report.js';

const reference = [5, 6, 7, 8];

/** A configuration's section of a run, with `sizes`. */
function section(model: string, sizes: ConfigResults['sizes']): ConfigResults {
  return {
    model,
    about: `the ${model} family`,
    weights: `synthetic ${model} (seed 1)`,
    date: '2026-11-26',
    command: 'npm run bench:anchors',
    machine: 'AMD EPYC, 2 cores',
    versions: { Node: '20' },
    repeat: 3,
    sizes,
  };
}

function bench(threads: number, encode: number, decode: number): BenchResult {
  return {
    model: 'f16_16384',
    size: '32x32',
    threads,
    backend: 'wasm',
    mode: 'exact',
    weights: 'synthetic',
    repeat: 3,
    encode: { min_s: encode, median_s: encode + 0.1 },
    decode: { min_s: decode, median_s: decode + 0.1 },
    peak_gflops: 40,
    peak_rss_mb: 100,
    wasm_memory_mb: 50,
    runtime: 'Node 20',
    ops: [{ op: 'conv3x3 s1 128→128 out 32×32', calls: 10, seconds: 0.5, gflops: 30, share_of_peak: 0.375 }, {
      op: 'tiny op',
      calls: 1,
      seconds: 0.001,
      gflops: 0,
      share_of_peak: 0,
    }],
    tokens: reference,
  };
}

test('rows: min and median, token agreement with vqgan-wasm', () => {
  const row = rowOfRun({
    engine: 'ONNX Runtime Node',
    threads: 2,
    encode_s: [0.3, 0.1, 0.2, 0.5],
    decode_s: [1, 2, 3],
    tokens: [5, 6, 0, 8],
  }, reference);
  assert.equal(row.encode, { min_s: 0.1, median_s: 0.25 });
  assert.equal(row.decode, { min_s: 1, median_s: 2 });
  assert.equal([row.tokens_equal, row.tokens_total], [3, 4]);
});

test('the Markdown block: ratios at the same thread count, the roofline, replacing the last run', () => {
  const ours = [
    rowOfBench('vqgan-wasm (Node 20)', bench(1, 2, 4), reference),
    rowOfBench('vqgan-wasm (Node 20)', bench(2, 1, 2), reference),
  ];
  const anchor = rowOfRun(
    { engine: 'PyTorch', threads: 2, encode_s: [0.5], decode_s: [4], tokens: reference },
    reference,
  );
  const report: AnchorsReport = {
    configurations: [section('f16_16384', [{
      size: '32x32',
      rows: [...ours, anchor],
      roofline: { threads: 2, peak_gflops: 40, ops: bench(2, 1, 2).ops },
    }])],
  };
  const block = markdown(report);
  assert.match(
    block,
    '### f16_16384: the f16_16384 family\n\nRun on 2026-11-26 by `npm run bench:anchors` on AMD EPYC',
  );
  assert.match(block, '#### 32×32');
  assert.match(block, '| PyTorch | 2 | 0.500 | 0.500 | 4.000 | 4.000 | 2.00 | 0.50 | 4/4 |');
  assert.match(block, '| conv3x3 s1 128→128 out 32×32 | 10 | 0.500 | 30.0 | 38% |');
  assert.not.match(block, 'tiny op', 'ops under 1% of the time are left out');
  const page = '# Benchmark results\n\nIntro.\n\n## Older section\n';
  const once = withBlock(page, block);
  assert.ok(
    once.indexOf(block) > once.indexOf('Intro.') && once.indexOf(block) < once.indexOf('## Older section'),
    'inserted before the first section',
  );
  assert.not.match(block, 'vqgan-wasm fast mode', 'no fast-mode table without a fast run');
  const again = withBlock(once, block.replace('0.500 | 0.500', '0.400 | 0.400'));
  assert.is(again.split(END).length, 2, 'one block after a second run');
  assert.match(again, '| PyTorch | 2 | 0.400 |');
});

test('fast-mode rows: the speed-up over the exact mode, and their own roofline table', () => {
  const ours = [rowOfBench('vqgan-wasm (Node 20)', bench(2, 3, 6), reference)];
  const fast = rowOfBench(
    'vqgan-wasm fast (Node 20)',
    { ...bench(2, 1, 2), mode: 'fast', tokens: [5, 6, 7, 9] },
    reference,
  );
  const fastOps = [{ op: 'conv3x3 s1 128→128 out 32×32', calls: 10, seconds: 0.2, gflops: 75, share_of_peak: 0.9375 }];
  const block = markdown({
    configurations: [section('chameleon', [{
      size: '32x32',
      rows: [...ours, fast],
      roofline: { threads: 2, peak_gflops: 40, ops: bench(2, 3, 6).ops },
      fastRoofline: { threads: 2, peak_gflops: 40, ops: fastOps },
    }])],
  });
  assert.match(block, '| vqgan-wasm fast (Node 20) | 2 | 1.000 | 1.100 | 2.000 | 2.100 | 3.00 | 3.00 | 3/4 |');
  assert.match(block, 'Kernel roofline, vqgan-wasm fast mode (Node, 2 threads, 32×32)');
  assert.match(block, '| conv3x3 s1 128→128 out 32×32 | 10 | 0.200 | 75.0 | 94% |');
});

test('a run replaces the sections of the configurations it ran and keeps the others', () => {
  const size = (min: number) => ({
    size: '32x32',
    rows: [rowOfRun({ engine: 'PyTorch', threads: 1, encode_s: [min], decode_s: [min], tokens: reference }, reference)],
    roofline: { threads: 1, peak_gflops: 40, ops: [] },
  });
  const before: AnchorsReport = { configurations: [section('f16_16384', [size(1)]), section('chameleon', [size(2)])] };
  const merged = mergeReports(before, {
    configurations: [section('chameleon', [size(3)]), section('llamagen-vq16', [size(4)])],
  });
  assert.equal(merged.configurations.map((c) => [c.model, c.sizes[0]!.rows[0]!.encode.min_s]), [
    ['f16_16384', 1],
    ['chameleon', 3],
    ['llamagen-vq16', 4],
  ]);
  const block = markdown(merged);
  assert.ok(
    block.indexOf('### f16_16384') < block.indexOf('### chameleon')
      && block.indexOf('### chameleon') < block.indexOf('### llamagen-vq16'),
    'one section per configuration, in order',
  );
  assert.equal(mergeReports(undefined, merged), merged);
  assert.equal(parseReport(JSON.stringify(merged), 'anchors.json'), merged);
  assert.throws(
    () => parseReport('{"sizes": []}', 'bench/anchors.json'),
    /bench\/anchors\.json: not an anchors report \(no "configurations" list\)/,
  );
});

test.run();
