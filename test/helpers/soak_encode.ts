/**
 * Run as a child process by soak.test.ts: `node --expose-gc soak_encode.js RUNS SIZE`
 * loads tiny.ckpt (wasm backend, 2 threads) and encodes the same image RUNS times
 * through the API, resized to SIZE×SIZE. Every 25 runs, after a garbage collection, it
 * samples the resident set and the JS heap. Prints, as JSON, the samples, the number of
 * distinct outputs (SHA-256 of tokens and latent) and the peak resident set (VmHWM).
 */
import '../../src/entries/install_node.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Vqgan } from '../../src/api/vqgan.js';
import { decodeImage } from '../../src/image/decode.js';
import { GOLDEN, TINY_CKPT } from './golden.js';
import { highWaterMark } from './proc_memory.js';

const runs = Number(process.argv[2]);
const size = Number(process.argv[3]);
const gc = (globalThis as { gc?: () => void; }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const image = decodeImage(new Uint8Array(readFileSync(`${GOLDEN}mountain_256x256.png`)), 'mountain_256x256.png');
const vq = await Vqgan.load(TINY_CKPT, { threads: 2 });
const outputs = new Set<string>();
const samples: { run: number; rss: number; heapUsed: number; arrayBuffers: number; }[] = [];
const sample = (run: number): void => {
  gc();
  const m = process.memoryUsage();
  samples.push({ run, rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers });
};
sample(0);
for (let run = 1; run <= runs; run++) {
  const r = await vq.encode(image, { size });
  const hash = createHash('sha256');
  hash.update(new Uint8Array(r.tokens.buffer, r.tokens.byteOffset, r.tokens.byteLength));
  hash.update(new Uint8Array(r.latent.data.buffer, r.latent.data.byteOffset, r.latent.data.byteLength));
  outputs.add(hash.digest('hex'));
  if (run % 25 === 0) sample(run);
}
vq.dispose();
console.log(JSON.stringify({ runs, distinct: outputs.size, samples, peak: highWaterMark() }));
