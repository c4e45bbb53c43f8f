/**
 * ONNX Runtime for Node (native CPU) as an anchors engine:
 *   node dist/bench/anchors/engine_ort_node.js DIR SIZE THREADS,… REPEAT
 * loads DIR/encoder_SxS.onnx and decoder_SxS.onnx once per thread count (intra-op
 * threads; one inter-op thread, sequential execution, all graph optimisations), then
 * alternates the timed runs between the counts after a warm-up, like `vqgan bench`.
 * Prints one JSON line per thread count: {engine, threads, encode_s, decode_s, tokens}.
 * onnxruntime-node comes from bench/anchors/node_modules (setup.sh), not the project's.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseNpy } from '../../src/io/npy.js';
import { tokensFile } from './inputs.js';

/** The part of onnxruntime-node's API used here. */
interface OrtTensor {
  readonly data: ArrayLike<number | bigint>;
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
}
interface Ort {
  readonly Tensor: new(type: string, data: Float32Array | BigInt64Array, dims: readonly number[]) => OrtTensor;
  readonly InferenceSession: { create(path: string, options: object): Promise<OrtSession>; };
}

const requireAnchor = createRequire(new URL('../../../bench/anchors/package.json', import.meta.url));
const ort = requireAnchor('onnxruntime-node') as Ort;
const version = (requireAnchor('onnxruntime-node/package.json') as { version: string; }).version;

const [dir, size, threadList, repeatText] = process.argv.slice(2) as [string, string, string, string];
const s = Number(size);
const repeat = Number(repeatText);
const image = parseNpy(new Uint8Array(readFileSync(join(dir, `image_${s}x${s}.npy`))), 'image');
const grid = parseNpy(new Uint8Array(readFileSync(join(dir, tokensFile(s, s)))), 'tokens');
const imageFeed = { image: new ort.Tensor('float32', image.data as Float32Array, image.shape) };
const tokenFeed = {
  tokens: new ort.Tensor('int64', BigInt64Array.from(grid.data as Int32Array, (t) => BigInt(t)), [grid.data.length]),
};

const engines = [];
for (const threads of threadList.split(',').map(Number)) {
  const options = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  const encoder = await ort.InferenceSession.create(join(dir, `encoder_${s}x${s}.onnx`), options);
  const decoder = await ort.InferenceSession.create(join(dir, `decoder_${s}x${s}.onnx`), options);
  const tokens = Array.from((await encoder.run(imageFeed)).tokens!.data, Number); // warm-up
  await decoder.run(tokenFeed);
  engines.push({ threads, encoder, decoder, tokens, encode_s: [] as number[], decode_s: [] as number[] });
}
for (let r = 0; r < repeat; r++) {
  for (const e of engines) {
    let start = performance.now();
    await e.encoder.run(imageFeed);
    e.encode_s.push((performance.now() - start) / 1000);
    start = performance.now();
    await e.decoder.run(tokenFeed);
    e.decode_s.push((performance.now() - start) / 1000);
    process.stderr.write(
      `  ONNX Runtime Node, ${e.threads} thread(s), run ${r + 1}/${repeat}: encode ${
        e.encode_s.at(-1)!.toFixed(3)
      } s, decode ${e.decode_s.at(-1)!.toFixed(3)} s\n`,
    );
  }
}
for (const e of engines) {
  const { threads, tokens, encode_s, decode_s } = e;
  process.stdout.write(
    `${JSON.stringify({ engine: `ONNX Runtime Node ${version}, native CPU`, threads, encode_s, decode_s, tokens })}\n`,
  );
}
