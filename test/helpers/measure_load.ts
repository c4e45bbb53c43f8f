/**
 * Run as a child process by weights_memory.test.ts: `node measure_load.js WEIGHTS` loads
 * the weights (src/weights/load.ts) and prints, as JSON, the resident memory before the
 * load and at its peak, and the bytes read from the file. A fresh process, so that
 * nothing else the tests did counts. The peak is Linux's VmHWM (/proc/self/status): it
 * starts afresh at exec, where getrusage's maxRSS keeps the parent's high-water mark from
 * before the fork.
 */
import { readFileSync } from 'node:fs';
import { loadWeights } from '../../src/weights/load.js';

function highWaterMark(): number {
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (kb === null) throw new Error('no VmHWM in /proc/self/status: this measurement needs Linux');
  return Number(kb[1]) * 1024;
}

const before = process.memoryUsage().rss;
const loaded = await loadWeights(process.argv[2]!);
const weightBytes = [...loaded.tensors.values()].reduce((n, t) => n + t.data.byteLength, 0);
console.log(JSON.stringify({ before, peak: highWaterMark(), weightBytes, bytesRead: loaded.bytesRead }));
