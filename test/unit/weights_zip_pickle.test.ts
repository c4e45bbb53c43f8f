import '../../src/entries/install_node.js';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expectError } from '../helpers/errors.js';
import { memorySource } from '../../src/platform/byte_source.js';
import { platform } from '../../src/platform/platform.js';
import { VqganError } from '../../src/core/errors.js';
import { readCheckpoint } from '../../src/weights/checkpoint.js';
import { toPlain } from '../../src/weights/omegaconf.js';
import { unpickle } from '../../src/weights/pickle.js';
import { PickleGlobal, PickleObject, TorchStorage, TorchTensor } from '../../src/weights/pickle_values.js';
import { readZipDirectory, readZipEntry, readZipEntryRange, type ZipEntry } from '../../src/weights/zip.js';
import { TINY, TINY_CKPT } from '../helpers/golden.js';
import {
  PickleWriter,
  checkpointPickle,
  checkpointZip,
  float32Bytes,
  makeZip,
  maliciousCheckpoint,
  maliciousPickle,
  uint16Bytes,
  type TensorSpec,
} from '../helpers/make_checkpoint.js';

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g)!.map((h) => parseInt(h, 16)));
}

// ---------------------------------------------------------------------------------
// The fixture checkpoint

test('tiny.ckpt: model tensors only, no loss.*, read from the zip64 archive torch wrote', async () => {
  const src = await platform().files.openFile(TINY_CKPT);
  try {
    const entries = await readZipDirectory(src);
    assert.is(entries.length, 351);
    assert.ok(entries.some((e) => e.name === 'tiny/data.pkl'));
    const version = entries.find((e) => e.name === 'tiny/version')!;
    assert.is(new TextDecoder().decode(await readZipEntry(src, version)).trim(), '3');

    const { tensors, hyperParameters } = await readCheckpoint(src);
    assert.is(tensors.size, 343);
    assert.is([...tensors.keys()].filter((k) => k.startsWith('loss.')).length, 0);
    assert.equal(tensors.get('encoder.conv_in.weight')!.shape, [32, 3, 3, 3]);
    assert.equal(tensors.get('quantize.embedding.weight')!.shape, [1024, 64]);
    const hp = hyperParameters as { embed_dim: number; n_embed: number; ddconfig: Record<string, unknown>; };
    assert.is(hp.embed_dim, 64);
    assert.is(hp.n_embed, 1024);
    assert.is(hp.ddconfig.ch, 32);
    assert.equal(hp.ddconfig.ch_mult, [1, 1, 2, 2, 4]);
    assert.equal(hp.ddconfig.attn_resolutions, [16]);
    assert.is(hp.ddconfig.double_z, false);
  } finally {
    await src.close();
  }
});

test('tiny.ckpt: a truncated copy or a PNG is BAD_FORMAT naming the file', async () => {
  const ckpt = new Uint8Array(readFileSync(TINY_CKPT));
  await expectError(
    () => readCheckpoint(memorySource(ckpt.subarray(0, ckpt.length >> 1), 'half.ckpt')),
    'BAD_FORMAT',
    'half.ckpt',
  );
  await expectError(
    () => readCheckpoint(memorySource(ckpt.subarray(0, ckpt.length - 30), 'cut.ckpt')),
    'BAD_FORMAT',
    'cut.ckpt',
  );
  const png = new Uint8Array(readFileSync(`${TINY}golden/mountain_256x256.png`));
  await expectError(
    () => readCheckpoint(memorySource(png, 'mountain.png')),
    'BAD_FORMAT',
    'mountain.png',
    'not a readable zip',
  );
  await expectError(() => readCheckpoint(memorySource(new Uint8Array(5), 'tiny.bin')), 'BAD_FORMAT', 'tiny.bin');
  const legacy = checkpointPickle([['w', { storageKey: '0', storageNumel: 1, shape: [1] }]]);
  await expectError(() => readCheckpoint(memorySource(legacy, 'old.pt')), 'UNSUPPORTED', 'old.pt', 'legacy');
});

test('tiny.ckpt: a truncated data.pkl is BAD_FORMAT', async () => {
  const src = await platform().files.openFile(TINY_CKPT);
  try {
    const pkl = await readZipEntry(src, (await readZipDirectory(src)).find((e) => e.name === 'tiny/data.pkl')!);
    for (const cut of [1, 100, pkl.length >> 1, pkl.length - 1]) {
      await expectError(() => unpickle(pkl.subarray(0, cut), 'data.pkl'), 'BAD_FORMAT', 'data.pkl', 'truncated');
    }
  } finally {
    await src.close();
  }
});

// ---------------------------------------------------------------------------------
// Built checkpoints

test('a checkpoint padded with a 64 MB optimizer tensor reads only the model bytes', async () => {
  const big = 16 << 20; // float32 values: 64 MB
  const pickle = checkpointPickle(
    [
      ['decoder.conv_in.weight', { storageKey: '0', storageNumel: 6, shape: [2, 3] }],
      ['decoder.conv_in.bias', { storageKey: '1', storageNumel: 2, shape: [2] }],
    ],
    [{ storageKey: '2', storageNumel: big, shape: [big] }],
  );
  // zip64 extra fields in every directory entry, as a large torch checkpoint has them.
  const bytes = checkpointZip(pickle, {
    0: float32Bytes([1, 2, 3, 4, 5, 6]),
    1: float32Bytes([-1, 0.5]),
    2: new Uint8Array(big * 4),
  }, true);
  const src = memorySource(bytes, 'padded.ckpt');
  const { tensors, hyperParameters } = await readCheckpoint(src);
  assert.equal([...tensors.keys()], ['decoder.conv_in.weight', 'decoder.conv_in.bias']);
  assert.equal([...tensors.get('decoder.conv_in.weight')!.data], [1, 2, 3, 4, 5, 6]);
  assert.equal([...tensors.get('decoder.conv_in.bias')!.data], [-1, 0.5]);
  assert.is(hyperParameters, undefined);
  assert.ok(src.bytesRead < 4096, `read ${src.bytesRead} bytes of a ${bytes.length}-byte file`);
});

test('readZipEntryRange reads just the range (plus the local header)', async () => {
  const data = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
  const src = memorySource(makeZip([{ name: 'a/b', data }]), 'range.zip');
  const [entry] = (await readZipDirectory(src)) as [ZipEntry];
  const before = src.bytesRead;
  assert.equal([...(await readZipEntryRange(src, entry, 300, 4))], [44, 45, 46, 47]);
  assert.is(src.bytesRead - before, 30 + 4);
  await expectError(() => readZipEntryRange(src, entry, 998, 4), 'BAD_FORMAT', 'range.zip', 'a/b');
});

test('a compressed entry is UNSUPPORTED naming it; a zip without data.pkl is BAD_FORMAT', async () => {
  const zip = makeZip([{ name: 'x/data.pkl', data: new Uint8Array(10) }]);
  const cd = new DataView(zip.buffer).getUint32(zip.length - 6, true);
  new DataView(zip.buffer).setUint16(cd + 10, 8, true); // method: deflate
  await expectError(
    () => readCheckpoint(memorySource(zip, 'deflated.ckpt')),
    'UNSUPPORTED',
    'deflated.ckpt',
    'x/data.pkl',
    'compressed',
  );
  const other = makeZip([{ name: 'readme.txt', data: new Uint8Array(3) }]);
  await expectError(() => readCheckpoint(memorySource(other, 'other.zip')), 'BAD_FORMAT', 'other.zip', 'data.pkl');
});

test('strided views, shared storages, float16, bfloat16 and int64 storages rebuild exactly', async () => {
  const specs: [string, TensorSpec][] = [
    ['a.weight', { storageKey: 's', storageNumel: 6, shape: [2, 3] }],
    // The transpose of a.weight: same storage, strides (1, 3).
    ['a.weight_t', { storageKey: 's', storageNumel: 6, shape: [3, 2], stride: [1, 3] }],
    // Every other element of row 1, starting at an offset.
    ['a.strided', { storageKey: 's', storageNumel: 6, offset: 3, shape: [2], stride: [2] }],
    ['h.weight', { storageKey: 'h', storageType: 'HalfStorage', storageNumel: 9, shape: [9] }],
    ['b.weight', { storageKey: 'b', storageType: 'BFloat16Storage', storageNumel: 5, shape: [5] }],
    ['n.count', { storageKey: 'n', storageType: 'LongStorage', storageNumel: 1, shape: [] }],
    ['loss.skipped', { storageKey: 'l', storageType: 'LongStorage', storageNumel: 1, shape: [] }],
    ['empty.weight', { storageKey: 'e', storageNumel: 0, shape: [0, 4] }],
  ];
  const halfBits = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0400, 0x0001, 0x8000, 0x7c00, 0x3555];
  const halfValues = [1, -2, 0.5, 65504, 2 ** -14, 2 ** -24, -0, Infinity, 0.333251953125];
  const bfBits = [0x3f80, 0xc000, 0x4049, 0x0001, 0xff80];
  const bfValues = [1, -2, 3.140625, Math.fround(2 ** -133), -Infinity];
  const long = new Uint8Array(new BigInt64Array([123456n]).buffer);
  const zip = checkpointZip(checkpointPickle(specs), {
    s: float32Bytes([0, 1, 2, 3, 4, 5]),
    h: uint16Bytes(halfBits),
    b: uint16Bytes(bfBits),
    n: long,
    l: long,
    e: new Uint8Array(0),
  });
  const { tensors } = await readCheckpoint(memorySource(zip, 'views.ckpt'));
  assert.equal([...tensors.keys()], [
    'a.weight',
    'a.weight_t',
    'a.strided',
    'h.weight',
    'b.weight',
    'n.count',
    'empty.weight',
  ]);
  assert.equal([...tensors.get('a.weight')!.data], [0, 1, 2, 3, 4, 5]);
  assert.equal(tensors.get('a.weight_t')!.shape, [3, 2]);
  assert.equal([...tensors.get('a.weight_t')!.data], [0, 3, 1, 4, 2, 5]);
  assert.equal([...tensors.get('a.strided')!.data], [3, 5]);
  assert.ok(tensors.get('a.weight')!.data !== tensors.get('a.weight_t')!.data);
  const half = [...tensors.get('h.weight')!.data];
  assert.equal(half, halfValues);
  assert.ok(Object.is(half[6], -0), 'float16 -0 keeps its sign');
  assert.equal([...tensors.get('b.weight')!.data], bfValues);
  assert.equal(tensors.get('n.count')!.shape, []);
  assert.equal([...tensors.get('n.count')!.data], [123456]);
  assert.equal(tensors.get('empty.weight')!.shape, [0, 4]);
});

test('a view reaching past its storage, or a short storage entry, is BAD_FORMAT naming the key', async () => {
  const past = checkpointPickle([['enc.w', { storageKey: '0', storageNumel: 6, offset: 1, shape: [2, 3] }]]);
  await expectError(
    () => readCheckpoint(memorySource(checkpointZip(past, { 0: float32Bytes([0, 1, 2, 3, 4, 5]) }), 'past.ckpt')),
    'BAD_FORMAT',
    'past.ckpt',
    'enc.w',
    'storage 0',
  );
  const strided = checkpointPickle([['enc.w', { storageKey: '0', storageNumel: 6, shape: [3, 2], stride: [1, 4] }]]);
  await expectError(
    () => readCheckpoint(memorySource(checkpointZip(strided, { 0: float32Bytes([0, 1, 2, 3, 4, 5]) }), 'strided.ckpt')),
    'BAD_FORMAT',
    'enc.w',
  );
  const short = checkpointPickle([['enc.w', { storageKey: '0', storageNumel: 6, shape: [6] }]]);
  await expectError(
    () => readCheckpoint(memorySource(checkpointZip(short, { 0: float32Bytes([0, 1, 2]) }), 'short.ckpt')),
    'BAD_FORMAT',
    'short.ckpt',
    'enc.w',
  );
  await expectError(
    () => readCheckpoint(memorySource(checkpointZip(short, {}), 'missing.ckpt')),
    'BAD_FORMAT',
    'missing.ckpt',
    'enc.w',
    'missing',
  );
  const int = checkpointPickle([['enc.w', {
    storageKey: '0',
    storageType: 'IntStorage',
    storageNumel: 1,
    shape: [1],
  }]]);
  await expectError(
    () => readCheckpoint(memorySource(checkpointZip(int, { 0: new Uint8Array(4) }), 'int.ckpt')),
    'UNSUPPORTED',
    'enc.w',
    'IntStorage',
  );
});

// ---------------------------------------------------------------------------------
// The pickle reader

test('pickles that ask for code are refused, naming the global, before anything is built', async () => {
  const viaStackGlobal = (module: string, name: string): Uint8Array =>
    new PickleWriter().proto(4).str(module).str(name).op(0x93).mark().str('1+1').op(0x74).reduce().stop();
  const cases: [Uint8Array, string][] = [
    [maliciousPickle('os', 'system', 'echo pwned'), 'os.system'],
    [maliciousPickle('posix', 'system', 'echo pwned'), 'posix.system'],
    [maliciousPickle('subprocess', 'Popen', 'sh'), 'subprocess.Popen'],
    [maliciousPickle('__builtin__', 'eval', '1+1'), '__builtin__.eval'],
    [viaStackGlobal('builtins', 'eval'), 'builtins.eval'],
    [viaStackGlobal('builtins', 'getattr'), 'builtins.getattr'],
    [viaStackGlobal('os.path', 'join'), 'os.path.join'],
    [viaStackGlobal('torch', 'hub.load'), 'torch.hub.load'],
    [viaStackGlobal('collections', 'OrderedDict.__class__'), 'collections.OrderedDict.__class__'],
  ];
  for (const [bytes, global] of cases) {
    await expectError(
      () => unpickle(bytes, 'evil.pkl'),
      'UNSAFE_PICKLE',
      'evil.pkl',
      `global ${global};`,
      'nothing was run',
    );
  }
  const zip = maliciousCheckpoint('os', 'system', 'echo pwned');
  await expectError(
    () => readCheckpoint(memorySource(zip, 'evil.ckpt')),
    'UNSAFE_PICKLE',
    'evil.ckpt: pickle asks for global os.system; refused, nothing was run',
  );
});

test('Python-written pickles of protocols 0 to 5 give the same data', () => {
  // pickle.dumps({'a': [1, -2, 300, 70000, -70000, 2**70, -2**63, -3.5, 'h\u00e9llo \u2603',
  //   (1, 2), {1, 2}, frozenset([3]), True, False, None, [], ()], 7: 'x'}, protocol=p)
  const dumps = [
    '286470300a56610a70310a286c70320a49310a61492d320a61493330300a614937303030300a61492d37303030300a614c313138303539313632303731373431313330333432344c0a614c2d393232333337323033363835343737353830384c0a61462d332e350a615668e96c6c6f205c75323630330a70330a612849310a49320a7470340a61635f5f6275696c74696e5f5f0a7365740a70350a28286c70360a49310a6149320a617470370a5270380a61635f5f6275696c74696e5f5f0a66726f7a656e7365740a70390a28286c7031300a49330a61747031310a527031320a614930310a614930300a614e61286c7031330a612874617349370a56780a7031340a732e',
    '7d71002858010000006171015d7102284b014afeffffff4d2c014a701101004a90eefeff4c313138303539313632303731373431313330333432344c0a4c2d393232333337323033363835343737353830384c0a47c00c000000000000580a00000068c3a96c6c6f20e298837103284b014b02747104635f5f6275696c74696e5f5f0a7365740a7105285d7106284b014b0265747107527108635f5f6275696c74696e5f5f0a66726f7a656e7365740a7109285d710a4b036174710b52710c4930310a4930300a4e5d710d29654b07580100000078710e752e',
    '80027d71002858010000006171015d7102284b014afeffffff4d2c014a701101004a90eefeff8a090000000000000000408a08000000000000008047c00c000000000000580a00000068c3a96c6c6f20e2988371034b014b02867104635f5f6275696c74696e5f5f0a7365740a71055d7106284b014b0265857107527108635f5f6275696c74696e5f5f0a66726f7a656e7365740a71095d710a4b036185710b52710c88894e5d710d29654b07580100000078710e752e',
    '80037d71002858010000006171015d7102284b014afeffffff4d2c014a701101004a90eefeff8a090000000000000000408a08000000000000008047c00c000000000000580a00000068c3a96c6c6f20e2988371034b014b02867104636275696c74696e730a7365740a71055d7106284b014b0265857107527108636275696c74696e730a66726f7a656e7365740a71095d710a4b036185710b52710c88894e5d710d29654b07580100000078710e752e',
    '8004956b000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101004a90eefeff8a090000000000000000408a08000000000000008047c00c0000000000008c0a68c3a96c6c6f20e29883944b014b0286948f94284b014b0290284b03919488894e5d9429654b078c017894752e',
    '8005956b000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101004a90eefeff8a090000000000000000408a08000000000000008047c00c0000000000008c0a68c3a96c6c6f20e29883944b014b0286948f94284b014b0290284b03919488894e5d9429654b078c017894752e',
  ];
  const expected = new Map<unknown, unknown>([
    ['a', [
      1,
      -2,
      300,
      70000,
      -70000,
      2n ** 70n,
      -(2n ** 63n),
      -3.5,
      'h\u00e9llo \u2603',
      [1, 2],
      new Set([1, 2]),
      new Set([3]),
      true,
      false,
      null,
      [],
      [],
    ]],
    [7, 'x'],
  ]);
  dumps.forEach((d, protocol) => assert.equal(unpickle(hex(d), `p${protocol}.pkl`), expected, `protocol ${protocol}`));
});

test('unknown globals become inert records; bytes, bytearray, OrderedDict and frames are read', () => {
  // pickle.dumps([b'xy', bytearray(b'\x00\xff'), argparse.Namespace(lr=0.5, name='run'),
  //   collections.OrderedDict([('k', 1.25)]), 'xxx'], protocol=5)
  const v = unpickle(
    hex(
      '80059587000000000000005d9428430278799496020000000000000000ff948c086172677061727365948c094e616d6573706163659493942981947d94288c026c7294473fe00000000000008c046e616d65948c0372756e9475628c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c016b94473ff4000000000000738c0378787894652e',
    ),
    'p5.pkl',
  ) as unknown[];
  assert.equal(v[0], new Uint8Array([0x78, 0x79]));
  assert.equal(v[1], new Uint8Array([0, 255]));
  const ns = v[2] as PickleObject;
  assert.instance(ns, PickleObject);
  assert.equal([ns.type.module, ns.type.name], ['argparse', 'Namespace']);
  assert.equal(ns.state, new Map<unknown, unknown>([['lr', 0.5], ['name', 'run']]));
  assert.equal(v[3], new Map([['k', 1.25]]));
  assert.is(v[4], 'xxx');
  assert.equal(toPlain(v), [new Uint8Array([0x78, 0x79]), new Uint8Array([0, 255]), ns, { k: 1.25 }, 'xxx']);
});

test('torch storages and tensors are descriptors; a dict subclass keeps its items', () => {
  const w = new PickleWriter().proto(2).mark();
  w.tensor({ storageKey: '7', storageType: 'HalfStorage', storageNumel: 12, offset: 2, shape: [2, 5], stride: [5, 1] });
  w.global('pytorch_lightning.utilities.parsing', 'AttributeDict').emptyTuple().op(0x81).mark().str('lr').int(3).op(
    0x75,
  );
  w.global('typing', 'Any');
  const [t, attrs, any] = unpickle(w.op(0x6c).stop(), 'desc.pkl') as [TorchTensor, PickleObject, PickleGlobal];
  assert.instance(t, TorchTensor);
  assert.equal(t.storage, new TorchStorage('HalfStorage', '7', 'cpu', 12));
  assert.equal([t.offset, t.shape, t.stride], [2, [2, 5], [5, 1]]);
  assert.instance(attrs, PickleObject);
  assert.equal(toPlain(attrs), { lr: 3 });
  assert.is(toPlain(any), 'typing.Any');
});

/** A checkpoint {'state_dict': {}, 'hyper_parameters': <what `build` pushes>}. */
function hyperParametersCheckpoint(build: (w: PickleWriter) => void): Uint8Array {
  const w = new PickleWriter().proto(2).emptyDict().mark().str('state_dict').emptyDict().str('hyper_parameters');
  build(w);
  return checkpointZip(w.setItems().stop(), {});
}

test('hyper_parameters that contain themselves, or nest shared lists 2^60 paths deep, are refused', async () => {
  // EMPTY_LIST, BINPUT 200, BINGET 200, APPEND: a list holding itself
  const loop = hyperParametersCheckpoint((w) => w.op(0x5d, 0x71, 200, 0x68, 200, 0x61));
  await expectError(
    () => readCheckpoint(memorySource(loop, 'loop.ckpt')),
    'BAD_FORMAT',
    'loop.ckpt',
    'nested too deeply or too large',
  );
  // L0 = []; L(k+1) = [Lk, Lk]: 61 small lists, but 2^60 leaves when expanded
  const laughs = hyperParametersCheckpoint((w) => {
    w.op(0x5d, 0x71, 0, 0x30);
    for (let k = 0; k < 60; k++) w.mark().op(0x68, k, 0x68, k, 0x6c, 0x71, k + 1, 0x30);
    w.op(0x68, 60);
  });
  await expectError(
    () => readCheckpoint(memorySource(laughs, 'laughs.ckpt')),
    'BAD_FORMAT',
    'laughs.ckpt',
    'nested too deeply or too large',
  );
});

test('malformed pickles are BAD_FORMAT naming the opcode and its position', async () => {
  const p = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);
  await expectError(
    () => unpickle(p(0x80, 2, 0x68, 5, 0x2e), 'memo.pkl'),
    'BAD_FORMAT',
    'memo.pkl',
    'memo index 5',
    'BINGET at byte 2',
  );
  await expectError(
    () => unpickle(p(0x80, 2, 0x71, 0, 0x2e), 'put.pkl'),
    'BAD_FORMAT',
    'empty stack',
    'BINPUT at byte 2',
  );
  // BINUNICODE claiming 4 GB: refused from the length, nothing allocated.
  await expectError(
    () => unpickle(p(0x58, 0xff, 0xff, 0xff, 0xff, 0x61), 'long.pkl'),
    'BAD_FORMAT',
    'needs 4294967295 bytes',
    'BINUNICODE at byte 0',
  );
  await expectError(() => unpickle(p(0x80, 2, 0xff), 'op.pkl'), 'BAD_FORMAT', 'unknown opcode', '0xff at byte 2');
  await expectError(() => unpickle(p(0x4b, 1, 0x61, 0x2e), 'append.pkl'), 'BAD_FORMAT', 'APPEND at byte 2');
  await expectError(() => unpickle(p(0x28, 0x4b, 1, 0x30, 0x30, 0x30, 0x2e), 'pop.pkl'), 'BAD_FORMAT', 'pop.pkl');
  await expectError(() => unpickle(new Uint8Array(5000).fill(0x28), 'marks.pkl'), 'BAD_FORMAT', 'MARKs nested deeper');
  await expectError(
    () => unpickle(p(0x29, 0x29, 0x52, 0x2e), 'call.pkl'),
    'BAD_FORMAT',
    'calls a tuple',
    'REDUCE at byte 2',
  );
  await expectError(() => unpickle(p(0x80, 9, 0x2e), 'proto.pkl'), 'UNSUPPORTED', 'protocol 9');
  const notStorage = new PickleWriter().proto(2).str('not a tuple').op(0x51).stop();
  await expectError(() => unpickle(notStorage, 'pid.pkl'), 'UNSUPPORTED', 'pid.pkl', 'persistent id');
});

test('corrupted pickles fail only with VqganError; a 300 000-item APPENDS is fine', () => {
  const base = checkpointPickle([['w', { storageKey: '0', storageNumel: 6, shape: [2, 3] }]], [{
    storageKey: '1',
    storageNumel: 4,
    shape: [4],
  }]);
  let seed = 12345;
  const random = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (let trial = 0; trial < 3000; trial++) {
    const bytes = base.slice(0, base.length - random(8));
    for (let flips = 1 + random(3); flips > 0; flips--) bytes[random(bytes.length)] = random(256);
    try {
      toPlain(unpickle(bytes, 'fuzz.pkl'));
    } catch (err) {
      if (!(err instanceof VqganError)) assert.unreachable(`trial ${trial}: ${(err as Error).stack}`);
    }
  }
  // EMPTY_LIST, MARK, 300 000 × NONE, APPENDS, STOP
  const many = new Uint8Array(300_004).fill(0x4e);
  many.set([0x5d, 0x28]);
  many.set([0x65, 0x2e], 300_002);
  assert.is((unpickle(many, 'many.pkl') as unknown[]).length, 300_000);
});

test('toPlain refuses a structure that expands exponentially', () => {
  // x0 = [], x(i+1) = [x(i), x(i)]: 60 levels of shared references.
  const w = new PickleWriter().op(0x5d, 0x71, 0);
  for (let i = 0; i < 60; i++) w.op(0x68, i % 2, 0x68, i % 2, 0x86, 0x71, (i + 1) % 2);
  const v = unpickle(w.stop(), 'bomb.pkl');
  assert.throws(
    () => toPlain(v, 'bomb.pkl'),
    (err: unknown) => err instanceof VqganError && err.code === 'BAD_FORMAT' && err.message.includes('bomb.pkl'),
  );
});

test.run();
