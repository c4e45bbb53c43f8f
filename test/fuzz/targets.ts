/**
 * What the fuzzer feeds, per input format: valid seed files (the fixtures, and small
 * files made here so that most of their bytes are structure), and the project's own
 * entry point for that format, the one a user's file goes through.
 */
import { readFileSync } from 'node:fs';
import { encode as encodePngLib } from 'fast-png';
import { encode as encodeJpegLib } from 'jpeg-js';
import { memorySource } from '../../src/platform/byte_source.js';
import { decodeImage } from '../../src/image/decode.js';
import { parseNpy, writeNpy } from '../../src/io/npy.js';
import { parseTokenFile, tokensToJson, tokensToNpy } from '../../src/io/token_file.js';
import { Tensor } from '../../src/core/tensor.js';
import { checkTokenGrid } from '../../src/core/tokens.js';
import { loadWeights } from '../../src/weights/load.js';
import { writeSafetensors } from '../../src/weights/safetensors.js';
import { readZipDirectory } from '../../src/weights/zip.js';
import { FIXTURES, GOLDEN, TINY, TINY_CKPT, TINY_SAFETENSORS } from '../helpers/golden.js';
import { crc32 } from '../../src/core/crc32.js';
import { bombPng } from '../helpers/png_bytes.js';
import { checkpointPickle, checkpointZip, float32Bytes, makeZip, type TensorSpec } from '../helpers/make_checkpoint.js';
import { flaxArray, packMsgpack } from '../helpers/msgpack_writer.js';
import type { Seed } from './mutate.js';

export interface Target {
  /** Makes the seeds (once per worker). */
  seeds(): Promise<Seed[]>;
  /** Reads one input as a user's file would be read: resolves, or throws. */
  load(bytes: Uint8Array): Promise<unknown>;
  /**
   * Makes a mutant's checksums right again (applied to half the inputs), so that the
   * mutations reach the code behind the checksum check; returns what it did.
   */
  repair?(bytes: Uint8Array): string;
}

const NAME = 'fuzz-input';

/** A few model-shaped tensors, as [key, shape]. */
const SMALL_TENSORS: [string, number[]][] = [
  ['encoder.conv_in.weight', [2, 3, 3, 3]],
  ['encoder.conv_in.bias', [2]],
  ['quantize.embedding.weight', [4, 2]],
];

function values(n: number, start: number): number[] {
  return Array.from({ length: n }, (_, i) => (start + i) / 8);
}

/** A small torch.save checkpoint (zip + pickle) holding SMALL_TENSORS, in several layouts. */
function smallCheckpoints(): Seed[] {
  const specs: [string, TensorSpec][] = [];
  const storages: Record<string, Uint8Array> = {};
  SMALL_TENSORS.forEach(([key, shape], i) => {
    const numel = shape.reduce((a, b) => a * b, 1);
    specs.push([key, { storageKey: String(i), storageNumel: numel, shape }]);
    storages[String(i)] = float32Bytes(values(numel, i));
  });
  const pickle = checkpointPickle(specs, [{ storageKey: '0', storageNumel: 54, shape: [54] }]);
  const entries = [
    { name: 'archive/data.pkl', data: pickle },
    ...Object.entries(storages).map(([k, data]) => ({ name: `archive/data/${k}`, data })),
  ];
  return [
    { label: 'small checkpoint', bytes: checkpointZip(pickle, storages) },
    { label: 'small checkpoint, zip64', bytes: checkpointZip(pickle, storages, true) },
    { label: 'small checkpoint, entries reordered', bytes: makeZip([...entries].reverse()) },
    { label: 'small checkpoint, an entry duplicated', bytes: makeZip([...entries, entries[1]!]) },
  ];
}

/** tiny.ckpt: mutations in its pickle, local headers and central directory, never in tensor data. */
async function tinyCheckpoint(): Promise<Seed> {
  const bytes = new Uint8Array(readFileSync(TINY_CKPT));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const regions: [number, number][] = [];
  let directoryStart = 0;
  for (const e of await readZipDirectory(memorySource(bytes))) {
    const dataStart = e.offset + 30 + dv.getUint16(e.offset + 26, true) + dv.getUint16(e.offset + 28, true);
    regions.push([e.offset, dataStart]);
    if (e.name.endsWith('data.pkl')) regions.push([dataStart, dataStart + e.uncompressedSize]);
    directoryStart = Math.max(directoryStart, dataStart + e.uncompressedSize);
  }
  regions.push([directoryStart, bytes.length]);
  return { label: 'tiny.ckpt', bytes, regions };
}

function smallSafetensors(): Seed[] {
  const tensors = new Map(
    SMALL_TENSORS.map(([key, shape], i) => [
      key,
      new Tensor(shape, Float32Array.from(values(shape.reduce((a, b) => a * b, 1), i))),
    ]),
  );
  const seeds: Seed[] = [
    { label: 'small safetensors', bytes: writeSafetensors(tensors, { config: '{"ch": 128}' }) },
    { label: 'small safetensors, float16', bytes: writeSafetensors(tensors, undefined, 'float16') },
  ];
  // the same header with its entries reordered, and with a key given twice
  const header =
    '{"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
  const json = new TextEncoder().encode(header);
  const raw = new Uint8Array(8 + json.length + 16);
  new DataView(raw.buffer).setBigUint64(0, BigInt(json.length), true);
  raw.set(json, 8);
  raw.set(float32Bytes([1, 2, 3, 4]), 8 + json.length);
  seeds.push({ label: 'hand-written safetensors, keys reordered and duplicated', bytes: raw });
  return seeds;
}

function tinySafetensors(): Seed {
  const bytes = new Uint8Array(readFileSync(TINY_SAFETENSORS));
  const headerEnd = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { label: 'tiny.safetensors', bytes, regions: [[0, headerEnd]] };
}

function smallMsgpack(): Seed[] {
  const conv = (n: number, i: number) => flaxArray([3, 3, 3, n], 'float32', float32Bytes(values(27 * n, i)));
  const tree = {
    encoder: { conv_in: { kernel: conv(2, 0), bias: flaxArray([2], 'float32', float32Bytes([1, 2])) } },
    quantize: { embedding: { embedding: flaxArray([4, 2], 'float32', float32Bytes(values(8, 3))) } },
  };
  return [
    { label: 'small flax msgpack', bytes: packMsgpack(tree) },
    {
      label: 'small flax msgpack, params wrapper, keys reordered',
      bytes: packMsgpack({ params: { quantize: tree.quantize, encoder: tree.encoder } }),
    },
  ];
}

/** tiny_flax.msgpack: its first and last 64 KiB (the map's head and tail), and truncations. */
function tinyMsgpack(): Seed {
  const bytes = new Uint8Array(readFileSync(`${TINY}tiny_flax.msgpack`));
  return { label: 'tiny_flax.msgpack', bytes, regions: [[0, 65536], [bytes.length - 65536, bytes.length]] };
}

const file = (path: string, label = path.slice(path.lastIndexOf('/') + 1)): Seed => ({
  label,
  bytes: new Uint8Array(readFileSync(path)),
});

/** An 8×6 picture as RGBA, with alpha varying. */
function smallRgba(width = 8, height = 6): Uint8Array {
  return Uint8Array.from({ length: width * height * 4 }, (_, i) => (i % 4 === 3 ? 255 - i : (i * 37) & 255));
}

function pngSeeds(): Seed[] {
  const seeds = ['gradient_40x30.png', 'hard_noise_64x64.png', 'mountain_96x64.png', 'stormy_97x64.png'].map((n) =>
    file(`${FIXTURES}resize/${n}`)
  );
  // Pillow's golden corpus: Adam7, sub-byte depths, palettes, tRNS, split IDATs
  for (const kind of ['grey2_key', 'pal4_trns', 'rgb16_key', 'greyalpha16', 'rgba8']) {
    seeds.push(file(`${FIXTURES}png/${kind}_adam7_11x7.png`));
  }
  seeds.push(file(`${FIXTURES}png/rgb8_plain_11x7.png`));
  // decompression bombs: 64 MiB of zeros in 64 KB of IDAT, claiming 16×16 and 1024×1024
  seeds.push({ label: '16×16 PNG bomb, 64 MiB inflated', bytes: bombPng(16, 16, 64) });
  seeds.push({ label: '1024×1024 PNG bomb, 64 MiB inflated', bytes: bombPng(1024, 1024, 64) });
  const rgba = smallRgba();
  for (const channels of [1, 2, 3, 4]) {
    for (const depth of [8, 16] as const) {
      const n = 8 * 6 * channels;
      const data = depth === 8
        ? Uint8Array.from({ length: n }, (_, i) => rgba[i]!)
        : Uint16Array.from({ length: n }, (_, i) => rgba[i]! * 257);
      seeds.push({
        label: `8×6 PNG, ${channels} channels, ${depth}-bit`,
        bytes: encodePngLib({ width: 8, height: 6, data, channels, depth }),
      });
    }
  }
  return seeds;
}

/** Recomputes the CRC of every whole chunk after the signature, in place. */
function repairPngCrcs(b: Uint8Array): string {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let fixed = 0;
  for (let p = 8; p + 12 <= b.length;) {
    const end = p + 12 + dv.getUint32(p);
    if (end > b.length) break;
    dv.setUint32(end - 4, crc32(b.subarray(p + 4, end - 4)));
    fixed++;
    p = end;
  }
  return `CRCs of ${fixed} chunks recomputed`;
}

/** Small encodes, and corpus files of each kind the decoder takes (progressive, restarts, 4:4:0, CMYK). */
function jpegSeeds(): Seed[] {
  const encoded = [[8, 6, 90], [33, 17, 50], [16, 16, 10]].map(([width, height, quality]) => ({
    label: `${width}×${height} JPEG, quality ${quality}`,
    bytes: new Uint8Array(
      encodeJpegLib({ width: width!, height: height!, data: smallRgba(width, height) }, quality).data,
    ),
  }));
  const corpus = ['progressive_444_q95', 'progressive_422_restart', 'sample_440', 'cmyk_adobe', 'grey_progressive'];
  return [...encoded, ...corpus.map((n) => file(`${FIXTURES}jpeg/${n}.jpg`))];
}

function tokenSeeds(): Seed[] {
  const text = (s: string) => new TextEncoder().encode(s);
  const grid = { height: 2, width: 3, tokens: Int32Array.from([0, 1, 2, 16383, 5, 6]) };
  return [
    { label: '2×3 token JSON', bytes: text(tokensToJson(grid)) },
    { label: '2×3 token JSON, rows nested', bytes: text('{"height":2,"width":3,"tokens":[[0,1,2],[16383,5,6]]}') },
    { label: '2×3 token .npy', bytes: tokensToNpy(grid) },
    file(`${GOLDEN}random_tokens_16x16.tokens.npy`),
  ];
}

export const TARGETS: Record<string, Target> = {
  ckpt: {
    seeds: async () => [...smallCheckpoints(), await tinyCheckpoint()],
    load: (bytes) => loadWeights(bytes),
  },
  safetensors: {
    seeds: async () => [...smallSafetensors(), tinySafetensors()],
    load: (bytes) => loadWeights(bytes),
  },
  msgpack: {
    seeds: async () => [...smallMsgpack(), tinyMsgpack()],
    load: (bytes) => loadWeights(bytes),
  },
  npy: {
    seeds: async () => [
      file(`${GOLDEN}mountain_256x256.latent.npy`),
      file(`${GOLDEN}mountain_256x256.margin.npy`),
      {
        label: 'float32 [1, 3, 4, 4] .npy',
        bytes: writeNpy('float32', [1, 3, 4, 4], Float32Array.from(values(48, 0))),
      },
    ],
    load: async (bytes) => parseNpy(bytes, NAME),
  },
  png: { seeds: async () => pngSeeds(), load: async (bytes) => decodeImage(bytes, NAME), repair: repairPngCrcs },
  jpeg: { seeds: async () => jpegSeeds(), load: async (bytes) => decodeImage(bytes, NAME) },
  tokens: {
    seeds: async () => tokenSeeds(),
    load: async (bytes) => {
      const grid = parseTokenFile(bytes, NAME);
      checkTokenGrid(grid, 16384, NAME);
      return grid;
    },
  },
};

export const FORMATS = Object.keys(TARGETS);
