/**
 * The fixture checks as one function that runs unchanged in Node, Deno and a browser:
 * every golden case of test/fixtures/tiny up to 512 tokens through the API (encode of
 * input.npy, decode of PyTorch's tokens) in both modes, exact and fast, each output
 * reduced to the SHA-256 of its bytes. The 512×512 case (1024 tokens) is left out: it
 * was half the time of each of the six runs (three thread counts, Deno, two pages);
 * golden.test.ts and fast_mode.test.ts still check it against PyTorch. Equal digests from
 * two runtimes (or thread counts) mean byte-identical outputs; the Node test suite checks
 * the same outputs against PyTorch's (test/system/golden.test.ts, test/system/fast_mode.test.ts).
 */
import { Vqgan } from '../../src/api/vqgan.js';
import { COMPUTE_MODES } from '../../src/compute/backend.js';
import { parseNpy } from '../../src/io/npy.js';
import { Tensor } from '../../src/core/tensor.js';

interface Case {
  readonly name: string;
  readonly tokens_hw: [number, number];
  readonly decode_only?: boolean;
}

/** Bytes of a file under test/fixtures/tiny/, e.g. 'golden/manifest.json'. */
export type ReadFixture = (path: string) => Promise<Uint8Array>;

export interface FixtureOutputs {
  readonly runtime: string;
  readonly threads: number;
  /** `${case}.tokens|latent|decoded` (exact mode) and `fast:${case}.…` → SHA-256 hex of the output's bytes. */
  readonly digests: Record<string, string>;
}

/** The largest token grid the digests cover. */
const MAX_TOKENS = 512;

async function sha256(view: ArrayBufferView): Promise<string> {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function fixtureOutputs(read: ReadFixture, threads: number, runtime: string): Promise<FixtureOutputs> {
  const npy = async (file: string) => parseNpy(await read(`golden/${file}`), file);
  const cases = (JSON.parse(new TextDecoder().decode(await read('golden/manifest.json'))) as Case[])
    .filter((c) => c.tokens_hw[0] * c.tokens_hw[1] <= MAX_TOKENS);
  const digests: Record<string, string> = {};
  let used = threads;
  for (const mode of COMPUTE_MODES) {
    // tiny.ckpt carries its config in hyper_parameters, so bytes alone are enough.
    const vq = await Vqgan.load(await read('tiny.ckpt'), { threads, mode });
    const key = (name: string) => (mode === 'exact' ? name : `${mode}:${name}`);
    try {
      for (const c of cases) {
        if (!c.decode_only) {
          const input = await npy(`${c.name}.input.npy`);
          const r = await vq.encode(new Tensor(input.shape, input.data as Float32Array));
          digests[key(`${c.name}.tokens`)] = await sha256(r.tokens);
          digests[key(`${c.name}.latent`)] = await sha256(r.latent.data);
        }
        const tokens = (await npy(`${c.name}.tokens.npy`)).data as Int32Array;
        const [height, width] = c.tokens_hw;
        digests[key(`${c.name}.decoded`)] = await sha256((await vq.decode({ height, width, tokens })).data);
      }
      used = vq.threads;
    } finally {
      vq.dispose();
    }
  }
  return { runtime, threads: used, digests };
}
