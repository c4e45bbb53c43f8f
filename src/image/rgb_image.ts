/**
 * The one pixel format the engine handles outside the model: 8-bit RGB, no alpha.
 * Decoders composite transparency away and reduce other depths to this; resizing,
 * cropping, the presets and the PNG writer all take and give it.
 */
export interface RgbImage {
  width: number;
  height: number;
  /** width · height · 3 bytes: rows top to bottom, pixels left to right, R G B. */
  data: Uint8Array;
}
