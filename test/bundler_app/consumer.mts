// A TypeScript consumer of the packed package, type-checked with moduleResolution
// `bundler` and `node16` (test/system/bundlers.test.ts): the public types as a user sees them.
import {
  Vqgan,
  VqganError,
  type EncodeResult,
  type LoadOptions,
  type RgbImage,
  type Tensor,
  type TokenGrid,
} from 'vqgan-wasm';

export async function roundTrip(
  weights: string | Blob,
  image: { width: number; height: number; data: Uint8Array; },
): Promise<RgbImage> {
  const controller = new AbortController();
  const options: LoadOptions = {
    threads: 2,
    mode: 'fast',
    signal: controller.signal,
    onProgress: (loaded: number, total: number | undefined) => void [loaded, total],
  };
  const vq: Vqgan = await Vqgan.load(weights, options);
  try {
    const encoded: EncodeResult = await vq.encode(image, {
      preset: 'dalle-mini',
      size: [256, 384],
      signal: controller.signal,
    });
    const grid: TokenGrid = { height: encoded.height, width: encoded.width, tokens: encoded.tokens };
    const raw: Tensor = await vq.decode(grid, { onProgress: (f: number) => void f });
    void raw.shape;
    return await vq.decodeImage(grid);
  } catch (err) {
    if (err instanceof VqganError && err.code === 'ABORTED') throw new Error('aborted');
    throw err;
  } finally {
    vq.dispose();
  }
}
