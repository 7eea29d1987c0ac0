/**
 * PASCAL VOC annotations (the Kaggle face-mask dev set): corner boxes → `[x, y, w, h]`, label
 * names mapped per docs/contracts.md (`mask_weared_incorrect` → `incorrect_mask`).
 * VOC files are simple and flat, so a strict little reader is enough (no XML package needed).
 */
import type { AnnotatedFace } from './types';
import { normaliseLabel } from '../labels';

export interface VocAnnotation {
  filename: string;
  width: number;
  height: number;
  faces: AnnotatedFace[];
}

export class AnnotationError extends Error {}

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`).exec(xml);
  return m ? decodeEntities(m[1]) : undefined;
}

function decodeEntities(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

function num(xml: string, name: string, where: string): number {
  const v = tag(xml, name);
  const n = v === undefined ? NaN : Number(v);
  if (!Number.isFinite(n)) throw new AnnotationError(`${where}: <${name}> missing or not a number (${JSON.stringify(v)})`);
  return n;
}

/**
 * Parse one VOC XML document. Boxes: VOC corners `xmin..xmax` are inclusive pixel indices in
 * the original tools, but this dataset's exporter writes them as plain coordinates; we take
 * `w = xmax - xmin`, `h = ymax - ymin` (no +1), clipped to the image.
 */
export function parseVocXml(xml: string): VocAnnotation {
  const sizeXml = /<size>([\s\S]*?)<\/size>/.exec(xml)?.[1];
  if (!sizeXml) throw new AnnotationError('no <size> element');
  const width = num(sizeXml, 'width', '<size>');
  const height = num(sizeXml, 'height', '<size>');
  const filename = tag(xml, 'filename') ?? '';
  const faces: AnnotatedFace[] = [];
  const objRe = /<object>([\s\S]*?)<\/object>/g;
  let m: RegExpExecArray | null;
  let k = 0;
  while ((m = objRe.exec(xml))) {
    const o = m[1];
    const where = `<object> #${k++}`;
    const name = tag(o, 'name');
    if (!name) throw new AnnotationError(`${where}: no <name>`);
    let label;
    try {
      label = normaliseLabel(name);
    } catch (e) {
      throw new AnnotationError(`${where}: ${(e as Error).message}`);
    }
    const bb = /<bndbox>([\s\S]*?)<\/bndbox>/.exec(o)?.[1];
    if (!bb) throw new AnnotationError(`${where}: no <bndbox>`);
    const x0 = Math.max(0, num(bb, 'xmin', where));
    const y0 = Math.max(0, num(bb, 'ymin', where));
    const x1 = Math.min(width, num(bb, 'xmax', where));
    const y1 = Math.min(height, num(bb, 'ymax', where));
    if (x1 <= x0 || y1 <= y0) throw new AnnotationError(`${where}: empty box (${x0},${y0})-(${x1},${y1})`);
    faces.push({ box: [x0, y0, x1 - x0, y1 - y0], label });
  }
  return { filename, width, height, faces };
}
