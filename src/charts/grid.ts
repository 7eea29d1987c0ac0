/**
 * Pictures: a grid of images with captions and labelled boxes, composed with sharp (images
 * resized into equal cells, captions and boxes drawn as one SVG overlay). Composition is lazy:
 * the layout (and so the size) is known at once, pixels are made on the first `png()`.
 */
import * as path from 'node:path';
import sharp from 'sharp';
import type { OverlayOptions } from 'sharp';
import type { Box } from '../result';
import { decodeImage, ImageError, RgbImage } from '../util/images';
import { mapLimit } from '../util/files';
import { writeFileAtomic } from '../util/atomic';
import { displayPng, noteOutsideNotebook } from './display';

/** An image file path, encoded image bytes, or decoded RGB pixels. */
export type ImageInput = string | Uint8Array | RgbImage;

export interface GridBox {
  /** `[x, y, w, h]` in pixels of the original image (docs/contracts.md). */
  box: Box;
  /** Stroke colour `[r, g, b]`; `DISPLAY[label].colour` for class labels. */
  colour: [number, number, number];
  /** Text drawn on the box's top edge, e.g. `displayText(label, score)`. */
  text?: string;
}

export interface GridItem {
  image: ImageInput;
  /** One line under the image (cut with "…" when too long). */
  caption?: string;
  boxes?: GridBox[];
}

export interface ImageGridOptions {
  /** Images per row. default: the number of images, at most 6 */
  columns?: number;
  /** Cell size in pixels: a number for square cells, or `[width, height]`. default: 160 */
  cellSize?: number | [number, number];
  /** Space between and around cells. default: 6 */
  gap?: number;
  /** Caption and box text size in pixels. default: 12 */
  fontSize?: number;
  /** A title line above the grid. default: none */
  title?: string;
  /** Background colour (CSS). default: 'white' */
  background?: string;
}

const DEFAULT_CELL = 160;
const DEFAULT_MAX_COLUMNS = 6;
/** Average glyph width of DejaVu Sans relative to the font size, for fitting text. */
const CHAR_WIDTH = 0.62;

function isRgb(x: unknown): x is RgbImage {
  return typeof x === 'object' && x !== null && 'data' in x && 'width' in x && 'height' in x && !(x instanceof Uint8Array);
}

/** Escape text for SVG. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Cut `s` to at most `maxChars` characters, ending in "…" when cut. */
export function fitText(s: string, maxChars: number): string {
  if (s.length <= maxChars) return s;
  return maxChars <= 1 ? '…' : s.slice(0, maxChars - 1) + '…';
}

interface Layout {
  columns: number;
  rows: number;
  cellW: number;
  cellH: number;
  gap: number;
  fontSize: number;
  captionH: number;
  titleH: number;
  width: number;
  height: number;
}

function layout(items: GridItem[], opts: ImageGridOptions): Layout {
  const n = items.length;
  const columns = Math.max(1, Math.min(n, Math.floor(opts.columns ?? DEFAULT_MAX_COLUMNS)));
  const rows = Math.ceil(n / columns);
  const [cellW, cellH] = Array.isArray(opts.cellSize) ? opts.cellSize : [opts.cellSize ?? DEFAULT_CELL, opts.cellSize ?? DEFAULT_CELL];
  if (!(cellW >= 8 && cellH >= 8)) throw new Error(`imageGrid: cellSize must be at least 8 pixels, got ${cellW}x${cellH}`);
  const gap = opts.gap ?? 6;
  const fontSize = opts.fontSize ?? 12;
  const captionH = items.some((it) => it.caption) ? Math.ceil(fontSize * 1.6) : 0;
  const titleH = opts.title ? Math.ceil(fontSize * 1.4 * 1.5) : 0;
  // The canvas is widened when the title would not fit over the cells.
  const titleW = opts.title ? Math.ceil(opts.title.length * fontSize * 1.4 * CHAR_WIDTH * 1.1) + 2 * gap : 0;
  return {
    columns, rows, cellW, cellH, gap, fontSize, captionH, titleH,
    width: Math.max(columns * cellW + (columns + 1) * gap, titleW),
    height: titleH + rows * (cellH + captionH) + (rows + 1) * gap,
  };
}

async function toRgb(input: ImageInput, i: number): Promise<RgbImage> {
  if (isRgb(input)) {
    if (input.data.length !== input.width * input.height * 3) {
      throw new ImageError(`imageGrid: item ${i}: RGB data has ${input.data.length} bytes, expected ${input.width}x${input.height}x3`);
    }
    return input;
  }
  try {
    return await decodeImage(input);
  } catch (e) {
    const name = typeof input === 'string' ? ` (${input})` : '';
    throw new ImageError(`imageGrid: item ${i}${name}: ${(e as Error).message}`);
  }
}

/** A composed picture: `png()`, `save(file)`, `show()`. */
export class Picture {
  private pngPromise?: Promise<Buffer>;
  constructor(
    readonly width: number,
    readonly height: number,
    private readonly compose: () => Promise<Buffer>,
  ) {}

  /** The picture as PNG bytes (composed on the first call). */
  png(): Promise<Buffer> {
    if (!this.pngPromise) this.pngPromise = this.compose();
    return this.pngPromise;
  }

  /** Write to `file` as PNG (`.png`) or JPEG (`.jpg`, `.jpeg`), atomically. */
  async save(file: string): Promise<string> {
    const ext = path.extname(file).toLowerCase();
    if (ext === '.png') writeFileAtomic(file, await this.png());
    else if (ext === '.jpg' || ext === '.jpeg') writeFileAtomic(file, await sharp(await this.png()).jpeg({ quality: 90 }).toBuffer());
    else throw new Error(`cannot save a picture as "${ext || file}": use a .png, .jpg or .jpeg file name`);
    return file;
  }

  /** Show inline in a tslab notebook; outside one, print a one-line note on stderr. */
  async show(): Promise<void> {
    const png = await this.png();
    if (!displayPng(png)) noteOutsideNotebook(`picture ${this.width}x${this.height}`);
  }
}

/** The SVG drawn over one cell: its boxes (scaled like the image) and its caption. */
function cellOverlay(item: GridItem, L: Layout, cellX: number, cellY: number, img: { x: number; y: number; scale: number }): string {
  const parts: string[] = [];
  const fs = L.fontSize;
  for (const b of item.boxes ?? []) {
    const [bx, by, bw, bh] = b.box;
    const x = img.x + bx * img.scale;
    const y = img.y + by * img.scale;
    const w = Math.max(1, bw * img.scale);
    const h = Math.max(1, bh * img.scale);
    const rgb = `rgb(${b.colour.join(',')})`;
    parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="none" stroke="${rgb}" stroke-width="2"/>`);
    if (b.text) {
      const maxChars = Math.max(1, Math.floor((L.cellW - (x - cellX)) / (fs * CHAR_WIDTH)));
      const t = fitText(b.text, maxChars);
      const tw = t.length * fs * CHAR_WIDTH + 4;
      const th = fs + 4;
      // Above the box when there is room inside the cell, else just inside its top edge.
      const ty = y - th >= cellY ? y - th : y;
      parts.push(`<rect x="${x.toFixed(1)}" y="${ty.toFixed(1)}" width="${tw.toFixed(1)}" height="${th}" fill="${rgb}"/>`);
      parts.push(`<text x="${(x + 2).toFixed(1)}" y="${(ty + fs).toFixed(1)}" font-size="${fs}" fill="white">${escapeXml(t)}</text>`);
    }
  }
  if (item.caption) {
    const t = fitText(item.caption, Math.floor((L.cellW - 4) / (fs * CHAR_WIDTH)));
    const cy = cellY + L.cellH + Math.round(fs * 1.2);
    parts.push(`<text x="${cellX + L.cellW / 2}" y="${cy}" font-size="${fs}" text-anchor="middle" fill="#222">${escapeXml(t)}</text>`);
  }
  return parts.join('');
}

/**
 * A grid of images, each resized to fit its cell (aspect kept, small images enlarged), with an
 * optional caption under it and labelled boxes on it. Throws `ImageError` naming the item when an
 * image cannot be read (on `png()`).
 */
export function imageGrid(items: GridItem[], opts: ImageGridOptions = {}): Picture {
  if (items.length === 0) throw new Error('imageGrid: no images given');
  const L = layout(items, opts);
  return new Picture(L.width, L.height, async () => {
    const composites: OverlayOptions[] = [];
    const overlay: string[] = [];
    if (opts.title) {
      const fsT = Math.round(L.fontSize * 1.4);
      overlay.push(`<text x="${L.gap}" y="${L.gap + fsT}" font-size="${fsT}" font-weight="bold" fill="#111">${escapeXml(opts.title)}</text>`);
    }
    await mapLimit(items, 4, async (item, i) => {
      const rgb = await toRgb(item.image, i);
      const scale = Math.min(L.cellW / rgb.width, L.cellH / rgb.height);
      const w = Math.max(1, Math.round(rgb.width * scale));
      const h = Math.max(1, Math.round(rgb.height * scale));
      const cellX = L.gap + (i % L.columns) * (L.cellW + L.gap);
      const cellY = L.titleH + L.gap + Math.floor(i / L.columns) * (L.cellH + L.captionH + L.gap);
      const x = cellX + Math.floor((L.cellW - w) / 2);
      const y = cellY + Math.floor((L.cellH - h) / 2);
      const resized = await sharp(Buffer.from(rgb.data.buffer, rgb.data.byteOffset, rgb.data.length), { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
        .resize(w, h, { fit: 'fill' })
        .raw()
        .toBuffer();
      composites[i] = { input: resized, raw: { width: w, height: h, channels: 3 }, left: x, top: y };
      overlay[i + 1] = cellOverlay(item, L, cellX, cellY, { x, y, scale });
    });
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${L.height}" font-family="DejaVu Sans, sans-serif">${overlay.join('')}</svg>`;
    composites.push({ input: Buffer.from(svg), left: 0, top: 0 });
    return sharp({ create: { width: L.width, height: L.height, channels: 3, background: opts.background ?? 'white' } })
      .composite(composites)
      .png()
      .toBuffer();
  });
}

export interface ShowImageOptions {
  /** Longest side of the shown image in pixels (smaller images are not enlarged). default: 640 */
  maxSize?: number;
  caption?: string;
  boxes?: GridBox[];
}

/** One image (with optional boxes and caption) as a `Picture` at its own aspect ratio. */
export async function picture(image: ImageInput, opts: ShowImageOptions = {}): Promise<Picture> {
  const rgb = await toRgb(image, 0);
  const max = opts.maxSize ?? 640;
  const s = Math.min(1, max / Math.max(rgb.width, rgb.height));
  const cell: [number, number] = [Math.max(8, Math.round(rgb.width * s)), Math.max(8, Math.round(rgb.height * s))];
  return imageGrid([{ image: rgb, caption: opts.caption, boxes: opts.boxes }], { columns: 1, cellSize: cell, gap: 0 });
}

/** Show one image inline in a notebook (see `picture`); returns the picture for saving. */
export async function showImage(image: ImageInput, opts: ShowImageOptions = {}): Promise<Picture> {
  const p = await picture(image, opts);
  await p.show();
  return p;
}
