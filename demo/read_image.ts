/**
 * A PNG or JPEG file → RGBA pixels, decoded by the browser: no colour-space conversion and
 * no premultiplied alpha (so an opaque image's bytes are the file's, as the CLI's own
 * decoders give them), then read back from a 2D canvas.
 */

/** RGBA pixels as a canvas's getImageData gives them. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

export async function readImage(file: Blob): Promise<RgbaImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    const name = (file as { name?: string; }).name ?? 'the image';
    throw new Error(`${name}: the browser cannot decode it as an image (PNG or JPEG expected)`);
  }
  try {
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (context === null) throw new Error('this browser offers no 2D canvas');
    context.drawImage(bitmap, 0, 0);
    const { width, height, data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
    return { width, height, data };
  } finally {
    bitmap.close();
  }
}
