/**
 * Results onto the page: RGB pixels onto a canvas, a token grid as a false-colour map
 * (one canvas pixel per token, scaled up by CSS without smoothing) and as a table of ids.
 */
import type { RgbImage } from '../src/image/rgb_image.js';
import type { TokenGrid } from '../src/core/tokens.js';
import { cssColour, tokenColour } from './token_colours.js';

/** RGB bytes → the canvas, sized to the image. */
export function drawRgb(canvas: HTMLCanvasElement, image: RgbImage): void {
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  for (let p = 0; p < image.width * image.height; p++) {
    rgba[4 * p] = image.data[3 * p]!;
    rgba[4 * p + 1] = image.data[3 * p + 1]!;
    rgba[4 * p + 2] = image.data[3 * p + 2]!;
    rgba[4 * p + 3] = 255;
  }
  putPixels(canvas, new ImageData(rgba, image.width, image.height));
}

/** One pixel per token, in the token's colour. */
export function drawTokenMap(canvas: HTMLCanvasElement, grid: TokenGrid): void {
  const rgba = new Uint8ClampedArray(grid.width * grid.height * 4);
  grid.tokens.forEach((id, p) => {
    rgba.set(tokenColour(id), 4 * p);
    rgba[4 * p + 3] = 255;
  });
  putPixels(canvas, new ImageData(rgba, grid.width, grid.height));
}

function putPixels(canvas: HTMLCanvasElement, pixels: ImageData): void {
  canvas.width = pixels.width;
  canvas.height = pixels.height;
  const context = canvas.getContext('2d');
  if (context === null) throw new Error('this browser offers no 2D canvas');
  context.putImageData(pixels, 0, 0);
}

/** The ids in a table, row by row, each cell tinted with its token's colour. */
export function fillTokenTable(table: HTMLTableElement, grid: TokenGrid): void {
  const body = document.createElement('tbody');
  for (let y = 0; y < grid.height; y++) {
    const row = body.insertRow();
    for (let x = 0; x < grid.width; x++) {
      const id = grid.tokens[y * grid.width + x]!;
      const cell = row.insertCell();
      cell.textContent = String(id);
      cell.title = `row ${y}, column ${x}: token ${id}`;
      cell.style.background = cssColour(tokenColour(id), 0.28);
    }
  }
  table.replaceChildren(body);
}
