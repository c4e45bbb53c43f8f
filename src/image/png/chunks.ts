/**
 * The chunk walk of a PNG: length, 4-letter type, data and a CRC over type and data,
 * one after another from byte 8 up to IEND. Every CRC is checked, so a flipped byte
 * anywhere past the signature is an error, never noise in the picture.
 */
import { crc32 } from '../../core/crc32.js';
import { VqganError } from '../../core/errors.js';

export interface Chunk {
  type: string;
  data: Uint8Array;
  /** Where the chunk starts in the file (its length field), for messages. */
  offset: number;
}

const SIGNATURE_SIZE = 8;
/** Length, type and CRC: 4 bytes each. */
const FRAME_SIZE = 12;

/** The chunks in file order, ending with IEND; a file that ends before IEND is truncated. */
export function* chunksOf(bytes: Uint8Array, name: string): Generator<Chunk> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (what: string) => new VqganError('BAD_FORMAT', `${name}: corrupt or truncated PNG (${what})`);
  let p = SIGNATURE_SIZE;
  for (;;) {
    if (p + FRAME_SIZE > bytes.length) throw bad(`the file ends at byte ${bytes.length} before an IEND chunk`);
    const length = view.getUint32(p);
    const typeBytes = bytes.subarray(p + 4, p + 8);
    const type = String.fromCharCode(...typeBytes);
    if (!/^[A-Za-z]{4}$/.test(type)) throw bad(`chunk at byte ${p} has type bytes ${[...typeBytes].join(' ')}`);
    const end = p + FRAME_SIZE + length;
    if (end > bytes.length) {
      throw bad(`${type} chunk at byte ${p} holds ${length} bytes, past the end of the ${bytes.length}-byte file`);
    }
    const stored = view.getUint32(end - 4);
    const actual = crc32(bytes.subarray(p + 4, end - 4));
    if (stored !== actual) throw bad(`${type} chunk at byte ${p} fails its CRC check`);
    yield { type, data: bytes.subarray(p + 8, end - 4), offset: p };
    if (type === 'IEND') return;
    p = end;
  }
}
