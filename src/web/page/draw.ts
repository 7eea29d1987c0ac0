/**
 * Faces drawn on a canvas as the CLI draws them on pixels (src/detection/draw.ts): a box in the
 * label's colour and a filled label ("Mask 97%", white text) above it, or inside its top edge when
 * there is no room; sizes scale with the picture. `labelStyle` is pure; `drawFaces` needs a 2D context.
 */
import { DISPLAY, displayText } from '../../labels';
import type { FaceResult } from '../../result';

/** Label text height in pixels: 1/36 of the picture's shorter side, within [12, 32] (as src/detection/draw.ts). */
export function labelStyle(width: number, height: number): { textPx: number; line: number; pad: number } {
  const side = Math.min(width, height);
  const textPx = Math.max(12, Math.min(32, Math.round(side / 36)));
  return { textPx, line: Math.max(2, Math.round(side / 240)), pad: Math.max(2, Math.round(textPx / 6)) };
}

/** `rgb(r, g, b)` of a label's colour. */
export const cssColour = (c: readonly number[]) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;

/** A 2D canvas context, on screen or off. */
export type DrawContext = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** Draw `faces` over what the canvas holds (a `width`x`height` picture): boxes first, then labels. */
export function drawFaces(ctx: DrawContext, faces: readonly Pick<FaceResult, 'box' | 'label' | 'score'>[], width: number, height: number): void {
  const { textPx, line, pad } = labelStyle(width, height);
  ctx.save();
  ctx.lineWidth = line;
  for (const f of faces) {
    const [x, y, w, h] = f.box;
    ctx.strokeStyle = cssColour(DISPLAY[f.label].colour);
    // the outline lies inside the box, as on the CLI's pictures
    ctx.strokeRect(x + line / 2, y + line / 2, Math.max(0, w - line), Math.max(0, h - line));
  }
  ctx.font = `bold ${textPx}px "DejaVu Sans", sans-serif`;
  ctx.textBaseline = 'top';
  for (const f of faces) {
    const text = displayText(f.label, f.score);
    const lw = Math.ceil(ctx.measureText(text).width) + 2 * pad;
    const lh = textPx + 2 * pad;
    const lx = Math.max(0, Math.min(width - lw, Math.round(f.box[0])));
    const ly = Math.max(0, Math.min(height - lh, Math.round(f.box[1] - lh >= 0 ? f.box[1] - lh : f.box[1])));
    ctx.fillStyle = cssColour(DISPLAY[f.label].colour);
    ctx.fillRect(lx, ly, lw, lh);
    ctx.fillStyle = '#fff';
    ctx.fillText(text, lx + pad, ly + pad);
  }
  ctx.restore();
}
