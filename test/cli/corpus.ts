/**
 * A generated corpus of bad input for the fault suite (corpus.test.ts): images truncated, bit-flipped,
 * with huge headers or the wrong extension; videos cut short or damaged; model folders tampered with;
 * training and inspection inputs that make no sense — and a few odd but valid ones, which must work.
 * Everything is made from the project's own fixtures and ffmpeg's test pattern, the same bytes each time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { projectPaths } from '../../src/paths';

const P = projectPaths();

/**
 * What a case must end in: processed (`ok`), a clear per-input failure or refusal (`error`), a partial
 * result (`partial`, video only), or any of them (`any`: damage a decoder may or may not notice).
 */
export type Expect = 'ok' | 'error' | 'partial' | 'any';

export interface FileCase {
  /** File name inside the corpus folder. */
  name: string;
  expect: Expect;
}

export interface Corpus {
  dir: string;
  images: FileCase[];
  videos: FileCase[];
  /** Model folders (relative names under `models/`), every one broken or tampered with. */
  models: string[];
  /** Argument lists for `train` and `inspect` that must be refused with a message. */
  train: string[][];
  inspect: string[][];
  /** A photo with faces and a short clip, for the model cases. */
  face: string;
  clip: string;
}

/** A deterministic byte stream (xorshift) for flips. */
function flips(buf: Buffer, n: number, from: number, seed: number): Buffer {
  const b = Buffer.from(buf);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const at = from + ((x >>> 0) % Math.max(1, b.length - from));
    b[at] ^= 0xff;
  }
  return b;
}

const cut = (b: Buffer, share: number) => b.subarray(0, Math.max(1, Math.floor(b.length * share)));

/** A PNG chunk with its CRC. */
function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  let c = ~0;
  for (const byte of body) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(~c >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A PNG whose header claims `w` x `h` with a tiny (wrong) IDAT: what a reader must refuse by its header. */
function hugePng(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(64))), chunk('IEND', Buffer.alloc(0))]);
}

/** A JPEG with its frame header (SOF0) edited to claim `w` x `h`. */
function jpegClaiming(jpeg: Buffer, w: number, h: number): Buffer {
  const b = Buffer.from(jpeg);
  for (let i = 2; i < b.length - 9; i++) {
    if (b[i] === 0xff && (b[i + 1] === 0xc0 || b[i + 1] === 0xc2)) {
      b.writeUInt16BE(h, i + 5);
      b.writeUInt16BE(w, i + 7);
      return b;
    }
  }
  throw new Error('no SOF marker');
}

/** A 24-bit BMP header claiming `w` x `h`, followed by `pixels` bytes. */
function bmpHeader(w: number, h: number, pixels: number, bits = 24): Buffer {
  const b = Buffer.alloc(54 + pixels);
  b.write('BM', 0);
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(w, 18);
  b.writeInt32LE(h, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(bits, 28);
  return b;
}

function ffmpeg(args: string[]): void {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${r.stderr}`);
}

async function makeImages(dir: string): Promise<FileCase[]> {
  const cases: FileCase[] = [];
  const put = (name: string, bytes: Buffer | Uint8Array | string, expect: Expect) => {
    fs.writeFileSync(path.join(dir, name), bytes);
    cases.push({ name, expect });
  };
  const photo = sharp(path.join(P.fixtures, 'synth', 'two-faces.jpg')).resize(480);
  const jpeg = await photo.clone().jpeg({ quality: 85 }).toBuffer();
  const png = await photo.clone().png().toBuffer();
  const webp = await photo.clone().webp().toBuffer();
  const gif = await photo.clone().gif().toBuffer();
  const tiff = await photo.clone().tiff().toBuffer();
  const raw = await photo.clone().raw().toBuffer({ resolveWithObject: true });
  const bmp = bmpHeader(raw.info.width, raw.info.height, Math.ceil((raw.info.width * 3) / 4) * 4 * raw.info.height);
  // valid, if odd: they must work
  put('ok.jpg', jpeg, 'ok');
  put('png-named.jpg', png, 'ok');
  put('jpeg-named.png', jpeg, 'ok');
  put('webp-named.jpg', webp, 'ok');
  put('ok.gif', gif, 'ok');
  put('ok.tiff', tiff, 'ok');
  put('grey16.png', await photo.clone().grayscale().toColourspace('grey16').png().toBuffer(), 'ok');
  put('alpha.png', await photo.clone().ensureAlpha(0.5).png().toBuffer(), 'ok');
  put('cmyk.jpg', await photo.clone().toColourspace('cmyk').jpeg().toBuffer(), 'ok');
  put('exif-rotated.jpg', await photo.clone().withMetadata({ orientation: 6 }).jpeg().toBuffer(), 'ok');
  put('one-pixel.png', await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } }).png().toBuffer(), 'ok');
  put('wide-4000x2.png', await sharp({ create: { width: 4000, height: 2, channels: 3, background: '#888' } }).png().toBuffer(), 'ok');
  put('name with spaces é.jpg', jpeg, 'ok');
  put('-dash.jpg', jpeg, 'ok');
  put('bmp24.bmp', Buffer.concat([bmp.subarray(0, 54), bgrRows(raw.data, raw.info.width, raw.info.height)]), 'ok');
  // cut short
  for (const s of [0.05, 0.3, 0.6, 0.95]) put(`cut-${s * 100}.jpg`, cut(jpeg, s), 'error');
  for (const s of [0.3, 0.8]) put(`cut-${s * 100}.png`, cut(png, s), 'error');
  put('cut-50.webp', cut(webp, 0.5), 'error');
  put('cut-50.gif', cut(gif, 0.5), 'error');
  put('cut-50.tiff', cut(tiff, 0.5), 'error');
  put('cut-header.bmp', bmp.subarray(0, 30), 'error');
  put('cut-pixels.bmp', Buffer.concat([bmp.subarray(0, 54), Buffer.alloc(100)]), 'error');
  put('soi-only.jpg', Buffer.from([0xff, 0xd8, 0xff]), 'error');
  put('png-signature-only.png', png.subarray(0, 8), 'error');
  // bits flipped
  put('flipped-header.jpg', flips(jpeg, 12, 2, 7).subarray(0, jpeg.length), 'any');
  put('flipped-ihdr.png', flips(png, 4, 16, 3), 'error');
  put('flipped-idat.png', flips(png, 40, 60, 11), 'error');
  const bmpBad = Buffer.from(bmp.subarray(0, 54));
  bmpBad.writeInt32LE(-7, 18);
  put('negative-width.bmp', bmpBad, 'error');
  // headers claiming more than a reader should take
  put('huge-header.png', hugePng(100_000, 100_000), 'error');
  put('huge-header.jpg', jpegClaiming(jpeg, 65_000, 65_000), 'error');
  put('huge-header.bmp', bmpHeader(60_000, 60_000, 64), 'error');
  const gifHuge = Buffer.from(gif);
  gifHuge.writeUInt16LE(65_535, 6);
  gifHuge.writeUInt16LE(65_535, 8);
  put('huge-header.gif', gifHuge, 'any'); // libvips reads a GIF's frames, not its screen size
  put('bomb-52mp.png', await sharp({ create: { width: 7200, height: 7200, channels: 3, background: '#000' } }).png({ compressionLevel: 9 }).toBuffer(), 'error');
  // not images at all, whatever the name says
  put('empty.jpg', Buffer.alloc(0), 'error');
  put('zeros.jpg', Buffer.alloc(4096), 'error');
  put('text.jpg', 'this is not a picture\n', 'error');
  put('page.png', '<!DOCTYPE html><html><body>hi</body></html>', 'error');
  put('data.png', JSON.stringify({ a: 1 }), 'error');
  put('random.jpg', flips(Buffer.alloc(2048, 0x5a), 500, 0, 5), 'error');
  fs.mkdirSync(path.join(dir, 'folder.jpg'));
  fs.writeFileSync(path.join(dir, 'folder.jpg', 'inside.txt'), 'x');
  cases.push({ name: 'folder.jpg', expect: 'ok' }); // a folder: walked, holds no image (no line of its own)
  fs.symlinkSync('nowhere.jpg', path.join(dir, 'dangling.jpg'));
  cases.push({ name: 'dangling.jpg', expect: 'error' });
  spawnSync('mkfifo', [path.join(dir, 'fifo.jpg')]);
  cases.push({ name: 'fifo.jpg', expect: 'error' });
  return cases;
}

/** RGB rows as a bottom-up BMP's BGR rows (4-byte aligned). */
function bgrRows(rgb: Buffer, w: number, h: number): Buffer {
  const row = Math.ceil((w * 3) / 4) * 4;
  const out = Buffer.alloc(row * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) out[(h - 1 - y) * row + x * 3 + c] = rgb[(y * w + x) * 3 + 2 - c];
  return out;
}

function makeVideos(dir: string): FileCase[] {
  const cases: FileCase[] = [];
  const at = (n: string) => path.join(dir, n);
  const pattern = (extra: string[], out: string, size = '160x120', seconds = 2) => ffmpeg(['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=10`, '-t', String(seconds), ...extra, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', at(out)]);
  pattern(['-movflags', '+faststart'], 'ok.mp4');
  cases.push({ name: 'ok.mp4', expect: 'ok' });
  pattern([], 'ok.mkv');
  cases.push({ name: 'ok.mkv', expect: 'ok' });
  pattern([], 'moov-at-end.mp4');
  const good = fs.readFileSync(at('ok.mp4'));
  const end = fs.readFileSync(at('moov-at-end.mp4'));
  fs.rmSync(at('moov-at-end.mp4'));
  const put = (name: string, bytes: Buffer | string, expect: Expect) => {
    fs.writeFileSync(at(name), bytes);
    cases.push({ name, expect });
  };
  put('cut-70.mp4', cut(good, 0.7), 'partial');
  put('cut-30.mp4', cut(good, 0.3), 'partial');
  put('no-moov.mp4', cut(end, 0.6), 'error');
  put('cut-50.mkv', cut(fs.readFileSync(at('ok.mkv')), 0.5), 'partial');
  put('flipped-stream.mp4', flips(good, 300, 2000, 13), 'partial');
  put('flipped-header.mp4', flips(good, 40, 0, 17).subarray(0, good.length), 'any');
  put('empty.mp4', Buffer.alloc(0), 'error');
  put('zeros.mp4', Buffer.alloc(8192), 'error');
  put('text.mp4', 'not a video\n', 'error');
  put('photo.mp4', fs.readFileSync(path.join(P.fixtures, 'synth', 'one-face.jpg')), 'any'); // ffmpeg reads a still as a one-frame video
  put('huge-frames.y4m', 'YUV4MPEG2 W60000 H60000 F25:1 Ip A1:1 C420jpeg\nFRAME\n' + 'x'.repeat(1000), 'error');
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', at('audio-only.mp4')]);
  cases.push({ name: 'audio-only.mp4', expect: 'error' });
  pattern([], 'odd-33x17.mp4', '33x17');
  cases.push({ name: 'odd-33x17.mp4', expect: 'ok' });
  pattern(['-frames:v', '1'], 'one-frame.mp4');
  cases.push({ name: 'one-frame.mp4', expect: 'ok' });
  return cases;
}

/** Broken or tampered copies of the shipped single-network model (models/original). */
function makeModels(dir: string): string[] {
  const names: string[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a manifest edited as loose JSON, fields of any shape
  const copy = (name: string, edit: (d: string, m: Record<string, any>) => void) => {
    const d = path.join(dir, name);
    fs.cpSync(path.join(P.models, 'original'), d, { recursive: true, dereference: true });
    const mf = path.join(d, 'manifest.json');
    const m = JSON.parse(fs.readFileSync(mf, 'utf8'));
    edit(d, m);
    if (fs.existsSync(mf) && !m.__raw) fs.writeFileSync(mf, JSON.stringify(m, null, 2));
    names.push(name);
  };
  const file = (d: string, f: string) => path.join(d, f);
  const rewrite = (d: string, f: string, fn: (b: Buffer) => Buffer | string) => fs.writeFileSync(file(d, f), fn(fs.readFileSync(file(d, f))));
  copy('classes-swapped', (_d, m) => void (m.classes = [...m.classes].reverse()));
  copy('class-unknown', (_d, m) => void (m.classes = ['with_mask', 'hat']));
  copy('classes-three', (_d, m) => void (m.classes = ['with_mask', 'without_mask', 'incorrect_mask']));
  copy('temperature-0.001', (_d, m) => void (m.calibration = { temperature: 0.001, bias: { with_mask: 0, without_mask: 0 }, fittedOn: ['x'], n: 1, nllBefore: 1, nllAfter: 1, eceBefore: 0, eceAfter: 0 }));
  copy('temperature-negative', (_d, m) => void ((m.calibration = { temperature: -1, bias: {}, fittedOn: [], n: 0, nllBefore: 0, nllAfter: 0, eceBefore: 0, eceAfter: 0 }), delete m.integrity));
  copy('decision-bad', (_d, m) => void (m.decision = { incorrect_mask: 2 }));
  copy('activation-edited', (d) => rewrite(d, 'model.json', (b) => b.toString().replace('"activation":"relu"', '"activation":"sigmoid"')));
  copy('weights-cut', (d) => rewrite(d, 'weights.bin', (b) => cut(b, 0.5)));
  copy('weights-flipped', (d) => rewrite(d, 'weights.bin', (b) => flips(b, 20, 0, 19)));
  copy('weights-missing', (d) => fs.rmSync(file(d, 'weights.bin')));
  copy('modeljson-missing', (d) => fs.rmSync(file(d, 'model.json')));
  copy('modeljson-garbage', (d) => rewrite(d, 'model.json', () => '{"format": "layers-model", "modelTopology": '));
  copy('weights-path-outside', (d) => rewrite(d, 'model.json', (b) => b.toString().replace('"paths":["weights.bin"]', '"paths":["../../../../etc/passwd"]')));
  copy('manifest-garbage', (d, m) => void ((m.__raw = true), fs.writeFileSync(file(d, 'manifest.json'), '{ "format": "facemask-classifier/1", ')));
  copy('manifest-empty', (d, m) => void ((m.__raw = true), fs.writeFileSync(file(d, 'manifest.json'), '')));
  copy('manifest-missing', (d, m) => void ((m.__raw = true), fs.rmSync(file(d, 'manifest.json'))));
  copy('format-wrong', (_d, m) => void (m.format = 'something-else/9'));
  copy('onnx-outside', (_d, m) => void ((m.onnx.file = '../../../../etc/passwd'), delete m.integrity));
  copy('head-outside', (_d, m) => void ((m.head.modelJson = '../../model.json'), delete m.integrity));
  copy('onnx-junk', (d) => rewrite(d, 'model.onnx', (b) => flips(b, 50, 100, 23)));
  copy('onnx-sum-wrong', (_d, m) => void (m.onnx.sha256 = 'f'.repeat(64)));
  copy('integrity-garbage', (_d, m) => void (m.integrity = { files: {}, sha256: 'nope' }));
  copy('base-sum-wrong', (_d, m) => void (m.base.sha256 = '0'.repeat(64)));
  copy('members-missing', (_d, m) => {
    Object.assign(m, JSON.parse(fs.readFileSync(path.join(P.models, 'default', 'manifest.json'), 'utf8')));
  });
  return names;
}

function makeTrainInputs(dir: string): string[][] {
  const d = (n: string) => path.join(dir, n);
  fs.mkdirSync(d('synth-garbage'));
  fs.writeFileSync(path.join(d('synth-garbage'), 'manifest.jsonl'), 'not json\n{"file":\n');
  fs.mkdirSync(d('synth-empty'));
  fs.writeFileSync(d('overrides-garbage.json'), '{ "head.units": ');
  fs.writeFileSync(d('overrides-wrong.json'), JSON.stringify({ 'head.units': 'many' }));
  return [
    ['--set', 'head.units=-3'],
    ['--set', 'no.such.key=1'],
    ['--set', 'head.units'],
    ['--overrides', d('overrides-garbage.json')],
    ['--overrides', d('overrides-wrong.json')],
    ['--overrides', d('missing.json')],
    ['--preset', 'realworld', '--synth', d('synth-garbage')],
    ['--preset', 'realworld', '--synth', d('synth-empty')],
    ['--preset', 'nosuch'],
    ['--epochs', '0'],
    ['--epochs', 'many'],
    ['--datasets', 'nosuch'],
  ];
}

function makeInspectInputs(dir: string): string[][] {
  const foreign = path.join(dir, 'someone-elses');
  fs.mkdirSync(foreign);
  fs.writeFileSync(path.join(foreign, 'thesis.txt'), 'x');
  fs.writeFileSync(path.join(dir, 'not-a-split.json'), '{"mine": true}\n');
  return [
    ['--datasets', 'nosuch'],
    ['--output', foreign],
    ['--output', P.dataset],
    ['--output', '/proc/inspect-report'],
    ['--split-file', path.join(dir, 'not-a-split.json')],
    ['--split-file', foreign],
    ['--seed', 'x'],
  ];
}

/** Build the corpus under `dir` (created). */
export async function buildCorpus(dir: string): Promise<Corpus> {
  for (const sub of ['images', 'videos', 'models', 'train', 'inspect']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  const face = path.join(dir, 'face.jpg');
  fs.copyFileSync(path.join(P.fixtures, 'synth', 'two-faces.jpg'), face);
  const images = await makeImages(path.join(dir, 'images'));
  const videos = makeVideos(path.join(dir, 'videos'));
  return {
    dir,
    images,
    videos,
    models: makeModels(path.join(dir, 'models')),
    train: makeTrainInputs(path.join(dir, 'train')),
    inspect: makeInspectInputs(path.join(dir, 'inspect')),
    face,
    clip: path.join(dir, 'videos', 'ok.mp4'),
  };
}
