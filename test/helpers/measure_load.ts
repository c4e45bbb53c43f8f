/**
 * Run as a child process by weights_memory.test.ts: `node measure_load.js CHECKPOINT`
 * reads a checkpoint's model tensors (src/weights/checkpoint.ts) and prints, as JSON, the resident memory before the
 * load and at its peak, and the bytes read from the file. A fresh process, so that
 * nothing else the tests did counts.
 */
import '../../src/entries/install_node.js';
import { readCheckpoint } from '../../src/weights/checkpoint.js';
import { platform } from '../../src/platform/platform.js';
import { highWaterMark } from './proc_memory.js';

const before = process.memoryUsage().rss;
const source = await platform().files.openFile(process.argv[2]!);
const loaded = { ...(await readCheckpoint(source)), bytesRead: source.bytesRead };
await source.close();
const weightBytes = [...loaded.tensors.values()].reduce((n, t) => n + t.data.byteLength, 0);
console.log(JSON.stringify({ before, peak: highWaterMark(), weightBytes, bytesRead: loaded.bytesRead }));
