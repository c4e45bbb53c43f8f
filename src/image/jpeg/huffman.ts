/**
 * Huffman tables and the entropy-coded bit stream of a JPEG scan (ITU T.81 annex C and F).
 *
 * The bit reader follows libjpeg's rules for the stream's end: a 0xFF 0x00 pair is a 0xFF
 * byte; any other marker ends the data, and from there on zeros are read (libjpeg's
 * "premature end of data segment", which Pillow lets pass). Running out of file bytes
 * without a marker is a truncated file, an error, as Pillow makes it.
 */
import { VqganError } from '../../core/errors.js';

/** Codes up to this long are decoded by one table lookup. */
const LOOKUP_BITS = 9;

export interface HuffmanTable {
  /** Indexed by the next LOOKUP_BITS bits: (code length << 8) | symbol, or 0 for a longer code. */
  lookup: Uint16Array;
  /** For lengths 1..16: the largest code of that length (−1 if none), its first code and symbol index. */
  maxCode: Int32Array;
  minCode: Int32Array;
  firstIndex: Int32Array;
  symbols: Uint8Array;
}

/** counts[l − 1] codes of length l (l = 1..16), symbols in code order (T.81 C.2). */
export function buildHuffmanTable(counts: Uint8Array, symbols: Uint8Array, what: string): HuffmanTable {
  const lookup = new Uint16Array(1 << LOOKUP_BITS);
  const maxCode = new Int32Array(17).fill(-1);
  const minCode = new Int32Array(17);
  const firstIndex = new Int32Array(17);
  let code = 0;
  let index = 0;
  for (let length = 1; length <= 16; length++) {
    const n = counts[length - 1]!;
    if (n > 0) {
      minCode[length] = code;
      firstIndex[length] = index;
      for (let i = 0; i < n; i++, code++, index++) {
        if (length <= LOOKUP_BITS) {
          const shift = LOOKUP_BITS - length;
          const entry = (length << 8) | symbols[index]!;
          for (let fill = 0; fill < 1 << shift; fill++) lookup[(code << shift) | fill] = entry;
        }
      }
      maxCode[length] = code - 1;
    }
    // All codes of a length must fit in it: a table that overflows is not prefix-free.
    if (code > 1 << length) throw new VqganError('BAD_FORMAT', `${what}: bad Huffman table`);
    code <<= 1;
  }
  return { lookup, maxCode, minCode, firstIndex, symbols };
}

export class BitReader {
  /** The unread bits: the low `count` bits of `bits`, first bit highest. */
  private bits = 0;
  private count = 0;
  private atMarker = false;

  constructor(private readonly data: Uint8Array, public pos: number, private readonly name: string) {}

  /** Tops the buffer up to more than 24 bits. */
  private fill(): void {
    const { data } = this;
    while (this.count <= 24) {
      let byte = 0;
      if (!this.atMarker) {
        if (this.pos >= data.length) {
          throw new VqganError('BAD_FORMAT', `${this.name}: truncated JPEG (the file ends inside a scan)`);
        }
        byte = data[this.pos]!;
        if (byte === 0xff) {
          const next = data[this.pos + 1];
          if (next === 0) this.pos += 2;
          else {
            this.atMarker = true; // leave the marker for the caller
            byte = 0;
          }
        } else this.pos++;
      }
      this.bits = (this.bits << 8) | byte;
      this.count += 8;
    }
  }

  /** The next n bits (n ≤ 16) as an unsigned number. */
  read(n: number): number {
    if (n === 0) return 0;
    if (this.count < n) this.fill();
    this.count -= n;
    return (this.bits >>> this.count) & ((1 << n) - 1);
  }

  bit(): number {
    if (this.count < 1) this.fill();
    this.count--;
    return (this.bits >>> this.count) & 1;
  }

  /** n bits as a signed value (T.81 F.12 EXTEND). */
  receiveExtend(n: number): number {
    if (n === 0) return 0;
    const v = this.read(n);
    return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
  }

  decode(table: HuffmanTable): number {
    if (this.count < 16) this.fill();
    const entry = table.lookup[(this.bits >>> (this.count - LOOKUP_BITS)) & ((1 << LOOKUP_BITS) - 1)]!;
    if (entry !== 0) {
      this.count -= entry >> 8;
      return entry & 0xff;
    }
    for (let length = LOOKUP_BITS + 1; length <= 16; length++) {
      const code = (this.bits >>> (this.count - length)) & ((1 << length) - 1);
      if (code <= table.maxCode[length]!) {
        this.count -= length;
        return table.symbols[table.firstIndex[length]! + code - table.minCode[length]!]!;
      }
    }
    throw new VqganError('BAD_FORMAT', `${this.name}: corrupt JPEG data (no Huffman code matches at byte ${this.pos})`);
  }

  /**
   * Drops the buffered bits and moves past the restart marker that should come next
   * (libjpeg resynchronises on any RSTn; another marker is left for the caller).
   */
  restart(): void {
    this.bits = 0;
    this.count = 0;
    this.atMarker = false;
    // Stray bytes before the marker are skipped (libjpeg warns).
    this.pos = this.nextMarker(this.pos);
    if (isRestart(this.data[this.pos + 1])) this.pos += 2;
  }

  /** Where the scan's data ends: the next marker at or after the read position, RSTn passed over. */
  end(): number {
    let p = this.nextMarker(this.pos);
    while (isRestart(this.data[p + 1])) p = this.nextMarker(p + 2);
    return p;
  }

  /** The first marker at or after p: 0xFF, then neither 0 (a stuffed 0xFF) nor 0xFF (fill); the file's end if none. */
  private nextMarker(p: number): number {
    const { data } = this;
    while (p + 1 < data.length && !(data[p] === 0xff && data[p + 1] !== 0 && data[p + 1] !== 0xff)) p++;
    return p;
  }
}

function isRestart(marker: number | undefined): boolean {
  return marker !== undefined && marker >= 0xd0 && marker <= 0xd7;
}
