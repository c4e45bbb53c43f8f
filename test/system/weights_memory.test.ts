/**
 * Loading reads only the model's storages and holds little more than its float32
 * weights: a checkpoint padded with optimizer tensors four times the weights' size loads
 * with peak memory under 1.5× those weights (measured as the rise of the resident set
 * of a fresh process), reading no more than the weights' bytes and the zip's index.
 */
import '../../src/entries/install_node.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkpointPickle, checkpointZip, type TensorSpec } from '../helpers/make_checkpoint.js';

const MB = 2 ** 20;
const TENSORS = 8;
const NUMEL = 2 * MB; // float32 values per model tensor: 8 MB each, 64 MB in all
const OPTIMIZER = 4; // optimizer state: this many times the weights

test('a checkpoint padded with 4× optimizer state loads within 1.5× the weights', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vqgan-memory-'));
  try {
    const model: [string, TensorSpec][] = [];
    const storages: Record<string, Uint8Array> = {};
    for (let i = 0; i < TENSORS; i++) {
      model.push([`encoder.t${i}.weight`, { storageKey: String(i), storageNumel: NUMEL, shape: [NUMEL / 1024, 1024] }]);
      storages[String(i)] = new Uint8Array(NUMEL * 4).fill(i + 1);
    }
    const optimizer: TensorSpec[] = [];
    for (let i = 0; i < TENSORS * OPTIMIZER; i++) {
      const key = String(TENSORS + i);
      optimizer.push({ storageKey: key, storageNumel: NUMEL, shape: [NUMEL] });
      storages[key] = new Uint8Array(NUMEL * 4);
    }
    const file = join(dir, 'padded.ckpt');
    writeFileSync(file, checkpointZip(checkpointPickle(model, optimizer), storages, true));

    const child = spawnSync(process.execPath, [
      fileURLToPath(new URL('../helpers/measure_load.js', import.meta.url)),
      file,
    ], { encoding: 'utf8' });
    assert.is(child.status, 0, child.stderr);
    const { before, peak, weightBytes, bytesRead } = JSON.parse(child.stdout) as {
      before: number;
      peak: number;
      weightBytes: number;
      bytesRead: number;
    };
    const weights = TENSORS * NUMEL * 4;
    assert.is(weightBytes, weights, 'every model tensor loaded');
    const rise = peak - before;
    console.log(
      `  file ${(TENSORS * (1 + OPTIMIZER) * NUMEL * 4) / MB} MB, float32 weights ${weights / MB} MB: `
        + `peak RSS rise ${(rise / MB).toFixed(1)} MB (${(rise / weights).toFixed(2)}× the weights), read ${
          (bytesRead / MB).toFixed(1)
        } MB`,
    );
    assert.ok(rise <= 1.5 * weights, `peak RSS rose by ${(rise / MB).toFixed(1)} MB, over 1.5 × ${weights / MB} MB`);
    assert.ok(bytesRead <= weights + MB, `read ${bytesRead} bytes for ${weights} bytes of weights`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
