/**
 * Run as a child process by png_decode.test.ts: `node measure_decode.js IMAGE` decodes the
 * image (src/image/decode.ts) and prints, as JSON, the outcome (the size, or the error's
 * code and message), the resident memory before the decode and at its peak, and the
 * milliseconds it took. A fresh process, so that nothing else the tests did counts.
 */
import { readFileSync } from 'node:fs';
import { VqganError } from '../../src/core/errors.js';
import { decodeImage } from '../../src/image/decode.js';
import { highWaterMark } from './proc_memory.js';

const bytes = new Uint8Array(readFileSync(process.argv[2]!));
const before = process.memoryUsage().rss;
const start = performance.now();
let outcome: { size: string; } | { code: string; message: string; };
try {
  const img = decodeImage(bytes, 'bomb.png');
  outcome = { size: `${img.width}×${img.height}` };
} catch (err) {
  if (!(err instanceof VqganError)) throw err;
  outcome = { code: err.code, message: err.message };
}
const ms = performance.now() - start;
console.log(JSON.stringify({ ...outcome, before, peak: highWaterMark(), ms }));
