/**
 * Pixels in the browser, pure and browser-safe. `rgbFromRgba`: a canvas' RGBA pixels as the
 * pipeline's RGB image. The crop rule itself is the library's (src/model/crop.ts).

 */
import type { RgbImage } from '../../util/images';

/** RGBA pixels (a canvas' `ImageData.data`) as an RGB image; alpha is dropped (the canvas is drawn on white first). */
export function rgbFromRgba(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): RgbImage {
  if (rgba.length !== width * height * 4) throw new Error(`rgbFromRgba: ${rgba.length} bytes for ${width}x${height} (expected ${width * height * 4})`);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    data[j] = rgba[i];
    data[j + 1] = rgba[i + 1];
    data[j + 2] = rgba[i + 2];
  }
  return { data, width, height };
}
