/** The frame of a JPEG (SOF) and its components, with the sizes libjpeg derives from them. */
import { VqganError } from '../../core/errors.js';

export interface Component {
  id: number;
  /** Sampling factors, 1..4. */
  h: number;
  v: number;
  /** The quantisation table's slot (DQT id), resolved when the first scan starts. */
  quantId: number;
  /** Samples of this component in the image: ceil(W·h / max_h) × ceil(H·v / max_v). */
  dw: number;
  dh: number;
  /** Blocks stored: whole MCUs (interleaved scans code them all, padding included). */
  blocksPerLine: number;
  blocksPerColumn: number;
  /** blocksPerColumn × blocksPerLine blocks of 64 coefficients, natural order. */
  coefs: Int16Array;
  /** The table the IDCT uses, natural order; libjpeg keeps it as int16 (jddctmgr.c). */
  quant: Int16Array | undefined;
  /**
   * Progressive files: per block, the zigzag index of its last nonzero AC coefficient (0 if
   * none), so that refinement passes skip the zeros after it.
   */
  lastNonzero: Uint8Array;
  /** Progressive files: each coefficient's last successive-approximation bit Al, −1 until sent (libjpeg's coef_bits). */
  coefBits: Int8Array;
  /** DC prediction of the scan in progress. */
  dcPred: number;
}

export interface Frame {
  progressive: boolean;
  width: number;
  height: number;
  maxH: number;
  maxV: number;
  mcusPerLine: number;
  mcusPerColumn: number;
  components: Component[];
}

/** SOF0/1/2 segment body (after the length) → frame, with zeroed coefficient arrays. */
export function parseFrame(
  body: Uint8Array,
  progressive: boolean,
  name: string,
  checkSize: (width: number, height: number) => void,
): Frame {
  const bad = (what: string): VqganError => new VqganError('BAD_FORMAT', `${name}: bad JPEG frame header (${what})`);
  if (body.length < 6) throw bad('too short');
  const precision = body[0]!;
  const height = (body[1]! << 8) | body[2]!;
  const width = (body[3]! << 8) | body[4]!;
  const count = body[5]!;
  if (precision !== 8) {
    throw new VqganError('UNSUPPORTED', `${name}: ${precision}-bit JPEG samples (only 8-bit JPEGs are supported, as in Pillow)`);
  }
  if (height === 0) throw new VqganError('UNSUPPORTED', `${name}: JPEG height given by a DNL marker (not supported)`);
  if (width === 0) throw bad('width 0');
  if (count !== 1 && count !== 3 && count !== 4) {
    throw new VqganError('UNSUPPORTED', `${name}: JPEG with ${count} components (1, 3 or 4 are supported, as in Pillow)`);
  }
  if (body.length < 6 + 3 * count) throw bad('too short for its components');
  checkSize(width, height);
  const specs = Array.from({ length: count }, (_, i) => {
    const at = 6 + 3 * i;
    const h = body[at + 1]! >> 4;
    const v = body[at + 1]! & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) throw bad(`sampling factors ${h}×${v}`);
    if (body[at + 2]! > 3) throw bad(`quantisation table ${body[at + 2]}`);
    return { id: body[at]!, h, v, quantId: body[at + 2]! };
  });
  const maxH = Math.max(...specs.map((s) => s.h));
  const maxV = Math.max(...specs.map((s) => s.v));
  const mcusPerLine = Math.ceil(width / (8 * maxH));
  const mcusPerColumn = Math.ceil(height / (8 * maxV));
  const components = specs.map((s): Component => {
    const blocksPerLine = mcusPerLine * s.h;
    const blocksPerColumn = mcusPerColumn * s.v;
    // Every field in one literal, in one order: one hidden class for the decoder's hot paths.
    return {
      id: s.id,
      h: s.h,
      v: s.v,
      quantId: s.quantId,
      dw: Math.ceil((width * s.h) / maxH),
      dh: Math.ceil((height * s.v) / maxV),
      blocksPerLine,
      blocksPerColumn,
      coefs: new Int16Array(blocksPerLine * blocksPerColumn * 64),
      quant: undefined,
      coefBits: new Int8Array(64).fill(-1),
      lastNonzero: new Uint8Array(progressive ? blocksPerLine * blocksPerColumn : 0),
      dcPred: 0,
    };
  });
  return { progressive, width, height, maxH, maxV, mcusPerLine, mcusPerColumn, components };
}
