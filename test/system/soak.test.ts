/**
 * Soak: the same image encoded 500 times in one process through the API (tiny model,
 * wasm backend on 2 threads, 64×64 model input) gives the same tokens and latent every
 * time, and memory stays flat: after the first 25 runs (buffers and code warmed up), the
 * resident set and the JS heap, each sampled after a garbage collection every 25 runs,
 * grow by no more than a few MB.
 */
import '../../src/entries/install_node.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const MB = 2 ** 20;
const RUNS = 500;
const RSS_GROWTH_MB = 8;
const HEAP_GROWTH_MB = 2;

interface Sample {
  run: number;
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
}

test(`${RUNS} encodes in one process: identical outputs, flat memory`, () => {
  const helper = fileURLToPath(new URL('../helpers/soak_encode.js', import.meta.url));
  const child = spawnSync(process.execPath, ['--expose-gc', helper, String(RUNS), '64'], { encoding: 'utf8' });
  assert.is(child.status, 0, child.stderr);
  const { distinct, samples, peak } = JSON.parse(child.stdout) as {
    distinct: number;
    samples: Sample[];
    peak: number;
  };
  const mb = (n: number): string => `${(n / MB).toFixed(1)} MB`;
  const warm = samples.find((s) => s.run === 25)!;
  const end = samples.at(-1)!;
  const maxRss = Math.max(...samples.filter((s) => s.run >= 25).map((s) => s.rss));
  console.log(
    `  soak, ${RUNS} encodes: resident ${mb(samples[0]!.rss)} before the first, ${mb(warm.rss)} after 25 runs, ${
      mb(end.rss)
    } after ${end.run}, max sampled ${mb(maxRss)}, peak (VmHWM) ${mb(peak)}; `
      + `JS heap ${mb(warm.heapUsed)} → ${mb(end.heapUsed)}; array buffers ${mb(warm.arrayBuffers)} → ${
        mb(end.arrayBuffers)
      }; ${distinct} distinct output(s)`,
  );
  assert.is(distinct, 1, 'every encode gives the same tokens and latent');
  assert.is(end.run, RUNS);
  assert.ok(
    end.rss - warm.rss <= RSS_GROWTH_MB * MB,
    `resident set grew by ${mb(end.rss - warm.rss)} (bound ${RSS_GROWTH_MB} MB)`,
  );
  assert.ok(
    maxRss - warm.rss <= RSS_GROWTH_MB * MB,
    `resident set peaked ${mb(maxRss - warm.rss)} above the warm level (bound ${RSS_GROWTH_MB} MB)`,
  );
  assert.ok(
    end.heapUsed - warm.heapUsed <= HEAP_GROWTH_MB * MB,
    `JS heap grew by ${mb(end.heapUsed - warm.heapUsed)} (bound ${HEAP_GROWTH_MB} MB)`,
  );
  assert.ok(
    end.arrayBuffers - warm.arrayBuffers <= HEAP_GROWTH_MB * MB,
    `array buffers grew by ${mb(end.arrayBuffers - warm.arrayBuffers)}`,
  );
});

test.run();
