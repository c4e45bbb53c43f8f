/**
 * The anchors' figures in headless Chromium, each on a fresh cross-origin isolated page
 * of the demo server (so that both engines may use threads): vqgan-wasm through `vqgan
 * bench`'s runBench, and ONNX Runtime Web (its WASM SIMD + threads build, from
 * bench/anchors/node_modules) on the exported graphs. Files are fetched from the server,
 * which serves the repository: the run's folder under build/anchors/ holds the graphs and inputs.
 */
import { openBlankPage } from '../../demo/browser.js';
import type { ComputeMode } from '../../src/compute/backend.js';
import type { BenchResult } from '../../src/bench/bench.js';
import type { EngineRun } from './report.js';
import { tokensFile } from './inputs.js';

const ORT_DIST = '/bench/anchors/node_modules/onnxruntime-web/dist/';

/**
 * vqgan-wasm's bench in a page: the thread counts alternating, as in Node; on the
 * synthetic weights of a released configuration (`{ model }`, its name) or on a weights
 * file (`{ path }`, a path on the server).
 */
export async function wasmInChromium(
  size: number,
  threads: readonly number[],
  repeat: number,
  mode: ComputeMode,
  weights: { readonly model: string; } | { readonly path: string; },
): Promise<{ results: BenchResult[]; version: string; }> {
  const { page, errors, close, version } = await openBlankPage(true);
  try {
    const results = await page.evaluate(async ({ module, weights, options }) => {
      const { runBench } = (await import(module)) as typeof import('../../src/bench/bench.js');
      // a path on the server, made a full URL (a bare path would be read as a file name)
      return runBench(
        'path' in weights
          ? { ...options, weights: new URL(weights.path, location.href).href }
          : { ...options, model: weights.model },
      );
    }, {
      module: '/dist/src/bench/bench.js',
      weights,
      options: {
        size: [size, size] as [number, number],
        repeat,
        backend: 'wasm' as const,
        mode,
        threads: [...threads],
      },
    });
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
    return { results, version };
  } finally {
    await close();
  }
}

/**
 * ONNX Runtime Web on `threads` threads (its thread count is set once per page, so each
 * count gets its own page): a warm-up, then `repeat` timed encodes and decodes.
 */
export async function ortWebInChromium(dir: string, size: number, threads: number, repeat: number): Promise<EngineRun> {
  const { page, errors, close } = await openBlankPage(true);
  try {
    const run = await page.evaluate(async ({ dist, dir, size, tokensNpy, threads, repeat, npyModule }) => {
      type Tensor = { readonly data: ArrayLike<number | bigint>; };
      type Session = { run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>; };
      const ort = (await import(`${dist}ort.wasm.min.mjs`)) as {
        env: { versions: { web: string; }; wasm: { wasmPaths: string; numThreads: number; }; };
        Tensor: new(type: string, data: Float32Array | BigInt64Array, dims: readonly number[]) => Tensor;
        InferenceSession: { create(bytes: ArrayBuffer, options: object): Promise<Session>; };
      };
      const { parseNpy } = (await import(npyModule)) as typeof import('../../src/io/npy.js');
      ort.env.wasm.wasmPaths = dist;
      ort.env.wasm.numThreads = threads;
      const bytes = async (file: string): Promise<ArrayBuffer> => {
        const response = await fetch(`${dir}${file}`);
        if (!response.ok) throw new Error(`${dir}${file}: HTTP ${response.status}`);
        return response.arrayBuffer();
      };
      const image = parseNpy(new Uint8Array(await bytes(`image_${size}x${size}.npy`)), 'image');
      const grid = parseNpy(new Uint8Array(await bytes(tokensNpy)), 'tokens');
      const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
      const encoder = await ort.InferenceSession.create(await bytes(`encoder_${size}x${size}.onnx`), options);
      const decoder = await ort.InferenceSession.create(await bytes(`decoder_${size}x${size}.onnx`), options);
      const imageFeed = { image: new ort.Tensor('float32', image.data as Float32Array, image.shape) };
      const tokenFeed = {
        tokens: new ort.Tensor('int64', BigInt64Array.from(grid.data as Int32Array, (t) => BigInt(t)), [
          grid.data.length,
        ]),
      };
      const tokens = Array.from((await encoder.run(imageFeed)).tokens!.data, Number); // warm-up
      await decoder.run(tokenFeed);
      const encode_s: number[] = [];
      const decode_s: number[] = [];
      for (let r = 0; r < repeat; r++) {
        let start = performance.now();
        await encoder.run(imageFeed);
        encode_s.push((performance.now() - start) / 1000);
        start = performance.now();
        await decoder.run(tokenFeed);
        decode_s.push((performance.now() - start) / 1000);
      }
      return { engine: `ONNX Runtime Web ${ort.env.versions.web}, WASM SIMD`, threads, encode_s, decode_s, tokens };
    }, {
      dist: ORT_DIST,
      dir,
      size,
      tokensNpy: tokensFile(size, size),
      threads,
      repeat,
      npyModule: '/dist/src/io/npy.js',
    });
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
    return run;
  } finally {
    await close();
  }
}
