// The app a web developer writes: import the installed package, load the model from a
// URL, encode an image on the threads the page asks for, and show the result. Built by
// Vite and by esbuild in test/system/bundlers.test.ts, from the packed package.
import { Vqgan, decodeImage } from 'vqgan-wasm';

const threads = Number(new URLSearchParams(location.search).get('threads') ?? '1');
try {
  const vq = await Vqgan.load('/tiny.ckpt', { threads });
  const png = new Uint8Array(await (await fetch('/image.png')).arrayBuffer());
  const image = decodeImage(png, 'image.png');
  const { height, width, tokens } = await vq.encode(image);
  // An encode aborted part way, then the same encode again: the model is still usable.
  const controller = new AbortController();
  const aborted = await vq.encode(image, { signal: controller.signal, onProgress: () => controller.abort() })
    .then(() => 'not aborted', (err) => err.name);
  const again = await vq.encode(image);
  window.vqganResult = {
    height,
    width,
    tokens: Array.from(tokens),
    threads: vq.threads,
    isolated: globalThis.crossOriginIsolated,
    aborted,
    again: Array.from(again.tokens),
  };
  vq.dispose();
} catch (err) {
  window.vqganResult = { error: `${err.name}: ${err.message}` };
}
