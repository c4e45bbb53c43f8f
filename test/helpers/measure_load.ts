/**
 * Run as a child process by weights_memory.test.ts: `node measure_load.js WEIGHTS` loads
 * the weights (src/weights/load.ts) and prints, as JSON, the resident memory before the
 * load and at its peak, and the bytes read from the file. A fresh process, so that
 * nothing else the tests did counts.
 */
import '../../src/entries/install_node.js';
import { loadWeights } from '../../src/weights/load.js';
import { highWaterMark } from './proc_memory.js';

const before = process.memoryUsage().rss;
const loaded = await loadWeights(process.argv[2]!);
const weightBytes = [...loaded.tensors.values()].reduce((n, t) => n + t.data.byteLength, 0);
console.log(JSON.stringify({ before, peak: highWaterMark(), weightBytes, bytesRead: loaded.bytesRead }));
