/**
 * Entropy decoding of one scan into the components' coefficient arrays: sequential
 * (baseline and extended Huffman) and progressive (DC and AC, first and refining passes),
 * following T.81 annex F and G and libjpeg's jdhuff.c / jdphuff.c.
 */
import { VqganError } from '../../core/errors.js';
import type { Component, Frame } from './frame.js';
import { BitReader, type HuffmanTable } from './huffman.js';

/**
 * Zigzag position → natural (row-major) index, with 16 extra entries of 63 as in libjpeg's
 * jpeg_natural_order: a corrupt run that steps past 63 lands on the last coefficient.
 */
export const NATURAL_ORDER = new Uint8Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
  28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
  54, 47, 55, 62, 63, ...Array<number>(16).fill(63),
]);

export interface ScanComponent {
  component: Component;
  dc: HuffmanTable | undefined;
  ac: HuffmanTable | undefined;
}

export interface Scan {
  components: ScanComponent[];
  /** Spectral selection start and end, successive approximation high and low bits. */
  ss: number;
  se: number;
  ah: number;
  al: number;
  restartInterval: number;
}

type BlockDecoder = (sc: ScanComponent, at: number) => void;

/** The EOB run of a progressive AC scan: blocks still to skip (first pass) or refine only. */
interface EobRun {
  n: number;
}

/** Decodes the scan whose data starts at `start`; returns where its data ends. */
export function decodeScan(data: Uint8Array, start: number, frame: Frame, scan: Scan, name: string): number {
  const reader = new BitReader(data, start, name);
  const eobrun: EobRun = { n: 0 };
  const decodeBlock = blockDecoder(reader, eobrun, frame, scan, name);
  const { components, restartInterval } = scan;
  for (const sc of components) sc.component.dcPred = 0;
  let mcu = 0;
  const restartIfDue = (): void => {
    if (restartInterval > 0 && mcu > 0 && mcu % restartInterval === 0) {
      reader.restart();
      for (const sc of components) sc.component.dcPred = 0;
      eobrun.n = 0;
    }
    mcu++;
  };
  if (components.length === 1) {
    // A non-interleaved scan codes only the component's own blocks, not the MCU padding.
    const sc = components[0]!;
    const c = sc.component;
    const cols = Math.ceil(c.dw / 8);
    const rows = Math.ceil(c.dh / 8);
    for (let r = 0; r < rows; r++) {
      for (let col = 0; col < cols; col++) {
        restartIfDue();
        decodeBlock(sc, (r * c.blocksPerLine + col) * 64);
      }
    }
  } else {
    for (let my = 0; my < frame.mcusPerColumn; my++) {
      for (let mx = 0; mx < frame.mcusPerLine; mx++) {
        restartIfDue();
        for (const sc of components) {
          const c = sc.component;
          for (let v = 0; v < c.v; v++) {
            for (let h = 0; h < c.h; h++) {
              decodeBlock(sc, ((my * c.v + v) * c.blocksPerLine + mx * c.h + h) * 64);
            }
          }
        }
      }
    }
  }
  return reader.end();
}

function blockDecoder(reader: BitReader, eobrun: EobRun, frame: Frame, scan: Scan, name: string): BlockDecoder {
  const { ss, se, ah, al } = scan;
  // Which tables the scan's passes read: sequential both, DC first the DC table, AC the AC one.
  const needsDc = !frame.progressive || (ss === 0 && ah === 0);
  const needsAc = !frame.progressive || ss > 0;
  for (const sc of scan.components) {
    if ((needsDc && sc.dc === undefined) || (needsAc && sc.ac === undefined)) {
      throw new VqganError('BAD_FORMAT', `${name}: a scan uses an undefined Huffman table`);
    }
  }
  if (!frame.progressive) return (sc, at) => decodeSequential(reader, sc.component, sc.dc!, sc.ac!, at);
  if (ss === 0) {
    if (ah === 0) return (sc, at) => decodeDcFirst(reader, sc.component, sc.dc!, at, al);
    return (sc, at) => decodeDcRefine(reader, sc.component, at, al);
  }
  if (ah === 0) return (sc, at) => decodeAcFirst(reader, eobrun, sc.component, sc.ac!, at, ss, se, al);
  return (sc, at) => decodeAcRefine(reader, eobrun, sc.component, sc.ac!, at, ss, se, al);
}

function decodeSequential(reader: BitReader, c: Component, dc: HuffmanTable, ac: HuffmanTable, at: number): void {
  const { coefs } = c;
  const t = reader.decode(dc);
  // libjpeg keeps the prediction as int and stores it as JCOEF (int16): the store wraps.
  c.dcPred = (c.dcPred + reader.receiveExtend(t)) | 0;
  coefs[at] = c.dcPred;
  for (let k = 1; k < 64; k++) {
    const rs = reader.decode(ac);
    const s = rs & 15;
    const r = rs >> 4;
    if (s !== 0) {
      k += r;
      coefs[at + NATURAL_ORDER[k]!] = reader.receiveExtend(s);
    } else {
      if (r !== 15) break;
      k += 15;
    }
  }
}

function decodeDcFirst(reader: BitReader, c: Component, dc: HuffmanTable, at: number, al: number): void {
  const t = reader.decode(dc);
  c.dcPred = (c.dcPred + reader.receiveExtend(t)) | 0;
  c.coefs[at] = c.dcPred << al;
}

function decodeDcRefine(reader: BitReader, c: Component, at: number, al: number): void {
  if (reader.bit() !== 0) c.coefs[at] = c.coefs[at]! | (1 << al);
}

function decodeAcFirst(
  reader: BitReader,
  eobrun: EobRun,
  c: Component,
  ac: HuffmanTable,
  at: number,
  ss: number,
  se: number,
  al: number,
): void {
  if (eobrun.n > 0) {
    eobrun.n--;
    return;
  }
  const { coefs, lastNonzero } = c;
  let last = lastNonzero[at >> 6]!;
  for (let k = ss; k <= se; k++) {
    const rs = reader.decode(ac);
    const s = rs & 15;
    const r = rs >> 4;
    if (s !== 0) {
      k += r;
      coefs[at + NATURAL_ORDER[k]!] = reader.receiveExtend(s) * (1 << al);
      if (k > last) last = k;
    } else if (r === 15) {
      k += 15;
    } else {
      eobrun.n = (1 << r) + reader.read(r) - 1;
      break;
    }
  }
  lastNonzero[at >> 6] = Math.min(last, 63);
}

function decodeAcRefine(
  reader: BitReader,
  eobrun: EobRun,
  c: Component,
  ac: HuffmanTable,
  at: number,
  ss: number,
  se: number,
  al: number,
): void {
  const { coefs, lastNonzero } = c;
  const p1 = 1 << al;
  const m1 = -1 << al;
  let k = ss;
  if (eobrun.n === 0) {
    for (; k <= se; k++) {
      const rs = reader.decode(ac);
      let r = rs >> 4;
      let s = rs & 15;
      if (s !== 0) {
        // The size of a newly nonzero coefficient is always 1 (libjpeg warns otherwise).
        s = reader.bit() !== 0 ? p1 : m1;
      } else if (r !== 15) {
        eobrun.n = (1 << r) + reader.read(r);
        break;
      }
      // Skip r zero coefficients (refining the nonzero ones on the way), then place s.
      do {
        const i = at + NATURAL_ORDER[k]!;
        const v = coefs[i]!;
        if (v !== 0) {
          // A correction bit for an already nonzero coefficient: 1 moves it away from zero.
          if (reader.bit() !== 0 && (v & p1) === 0) coefs[i] = v >= 0 ? v + p1 : v + m1;
        } else if (--r < 0) break;
        k++;
      } while (k <= se);
      if (s !== 0) {
        coefs[at + NATURAL_ORDER[k]!] = s;
        if (k > lastNonzero[at >> 6]!) lastNonzero[at >> 6] = Math.min(k, 63);
      }
    }
  }
  if (eobrun.n > 0) {
    // Only nonzero coefficients take a correction bit: none lies past the block's last one.
    const end = Math.min(se, lastNonzero[at >> 6]!);
    for (; k <= end; k++) {
      const i = at + NATURAL_ORDER[k]!;
      const v = coefs[i]!;
      if (v !== 0 && reader.bit() !== 0 && (v & p1) === 0) coefs[i] = v >= 0 ? v + p1 : v + m1;
    }
    eobrun.n--;
  }
}
