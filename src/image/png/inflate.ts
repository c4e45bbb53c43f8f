/**
 * The zlib stream of a PNG's IDAT chunks, inflated into a buffer of exactly the size the
 * header implies, and not one byte further: a stream that would inflate past it (a
 * decompression bomb: 1 MB of IDAT can inflate to 1 GB) is refused as soon as its output
 * passes that size. fflate's streaming inflater is fed pieces small enough that the check
 * runs as output appears: n compressed bytes inflate to at most n · 1032 (a 258-byte match
 * per 2 bits), and a piece is sized to the room left, ceil(room / 1032) bytes within
 * [2 KB, 16 KB], so one push gives at most max(room + 1 KB, 2 MB) and at most 17 MB: the
 * output never runs more than 2 MB past the size. fflate's growing buffer and the slice
 * it hands over hold up to 3 times one push's output, beside the image's own buffer.
 */
import { Unzlib } from 'fflate';
import { VqganError } from '../../core/errors.js';

/**
 * Compressed bytes per push, bounds. Each push costs fflate a fresh ~160 KB buffer, so
 * tiny pieces make inflating slow; large ones let a bomb overshoot further.
 */
const MIN_PIECE = 2048;
const MAX_PIECE = 16384;
/** Deflate's largest expansion: 258 bytes from a 1-bit length code and a 1-bit distance code. */
const MAX_INFLATE_RATIO = 1032;

/**
 * `parts`: the IDAT chunks' data in file order; `size`: the bytes the header implies;
 * `what`: the file's name and its header in words, for messages.
 */
export function inflateBounded(parts: readonly Uint8Array[], size: number, name: string, what: string): Uint8Array {
  const compressed = parts.reduce((n, part) => n + part.length, 0);
  // Refused before the buffer is made: no stream this short could fill it.
  if (compressed * MAX_INFLATE_RATIO < size) throw truncated(name, what, `${compressed} bytes of IDAT`, size);
  const out = new Uint8Array(size);
  let filled = 0;
  let offered = 0;
  const unzlib = new Unzlib((data) => {
    offered += data.length;
    out.set(data.subarray(0, size - filled), filled);
    filled = Math.min(size, offered);
  });
  for (const part of parts) {
    for (let p = 0; p < part.length;) {
      const n = Math.min(MAX_PIECE, Math.max(MIN_PIECE, Math.ceil((size - filled) / MAX_INFLATE_RATIO)));
      try {
        unzlib.push(part.subarray(p, (p += n)));
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new VqganError('BAD_FORMAT', `${name}: corrupt PNG image data (${what}): zlib: ${reason}`);
      }
      if (offered > size) {
        throw new VqganError(
          'BAD_FORMAT',
          `${name}: PNG image data inflates past the ${size} bytes its header implies (${what}); refused at ${offered} bytes`,
        );
      }
    }
  }
  if (filled < size) throw truncated(name, what, `${filled} bytes inflated`, size);
  return out;
}

function truncated(name: string, what: string, got: string, size: number): VqganError {
  return new VqganError(
    'BAD_FORMAT',
    `${name}: truncated PNG image data: ${got}, but its header implies ${size} bytes inflated (${what})`,
  );
}
