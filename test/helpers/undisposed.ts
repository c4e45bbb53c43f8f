/**
 * `node undisposed.js TINY_CKPT`: a load that fails after its workers started, an
 * aborted encode and a refused decode, each printed as `CODE message`, then a model in
 * place on 2 threads that encodes; nothing is disposed, and the process must still exit
 * by itself (test/system/async_api.test.ts).
 */
import '../../src/entries/install_node.js';
import { Vqgan } from '../../src/api/vqgan.js';
import { incompleteWeights } from './incomplete_weights.js';
import { Tensor } from '../../src/core/tensor.js';

const say = (err: unknown) => console.log(`${(err as { code?: string; }).code} ${(err as Error).message}`);
await Vqgan.load(incompleteWeights(), { threads: 2 }).catch(say);
const vq = await Vqgan.load(process.argv[2]!, { threads: 2, maxPixels: 256 * 256 });
await vq.encode(new Tensor([1, 3, 256, 256]), { signal: AbortSignal.abort() }).catch(say);
await vq.decode({ height: 32, width: 32, tokens: new Int32Array(1024) }).catch(say);
const inPlace = await Vqgan.load(process.argv[2]!, { threads: 2, worker: false });
console.log(`in place: ${inPlace.encodeSync(new Tensor([1, 3, 32, 32])).tokens.length} tokens`);
