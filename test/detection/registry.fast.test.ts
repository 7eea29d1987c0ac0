/**
 * The registry and the one settings rule (src/detection/registry.ts): asked > the model's tuned
 * setting > the detector's own threshold and the plain policy. Pure: manifests are plain objects,
 * the registry's entries are the real Node ones (nothing is loaded).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/config';
import { DETECTORS } from '../../src/detection/detectors';
import { resolveSettings, describeSettings, FALLBACK_DETECTOR, DetectorRegistry } from '../../src/detection/registry';
import { DetectorError } from '../../src/detection/types';
import type { ModelClass } from '../../src/labels';

const cfg = resolveConfig().detect;
const FOUR: ModelClass[] = ['with_mask', 'without_mask', 'incorrect_mask', 'not_face'];
const TWO: ModelClass[] = ['with_mask', 'without_mask'];
const tuned = { detector: 'blazeface', settings: { 'ssd-mobilenet': { threshold: 0.15, rejectAt: 0.2, trustAbove: 0.9 }, blazeface: { threshold: 0.4, rejectAt: 0.3, trustAbove: null } } };

test('a model without tuned settings: the detector\'s own threshold and no rejection by probability', () => {
  const s = resolveSettings(DETECTORS, { classes: TWO }, {}, cfg);
  assert.equal(s.detector, FALLBACK_DETECTOR);
  assert.equal(s.threshold, DETECTORS.get(FALLBACK_DETECTOR).ownThreshold(cfg));
  assert.deepEqual(s.policy, { rejectAt: null, trustAbove: null });
  assert.deepEqual(s.source, { detector: 'fallback', threshold: 'detector', policy: 'plain', scales: 'none' });
  assert.equal(s.scales, null);
  for (const name of DETECTORS.names()) assert.equal(resolveSettings(DETECTORS, { classes: TWO }, { detector: name }, cfg).threshold, DETECTORS.get(name).ownThreshold(cfg));
});

test("a tuned model: its default detector and that detector's setting; another detector gets its own setting", () => {
  const s = resolveSettings(DETECTORS, { classes: FOUR, detection: tuned }, {}, cfg);
  assert.equal(s.detector, 'blazeface');
  assert.equal(s.threshold, tuned.settings.blazeface.threshold);
  assert.deepEqual(s.policy, { rejectAt: 0.3, trustAbove: null });
  assert.deepEqual(s.source, { detector: 'model', threshold: 'model', policy: 'model', scales: 'none' });
  const ssd = resolveSettings(DETECTORS, { classes: FOUR, detection: tuned }, { detector: 'ssd-mobilenet' }, cfg);
  assert.equal(ssd.threshold, tuned.settings['ssd-mobilenet'].threshold);
  assert.deepEqual(ssd.policy, { rejectAt: 0.2, trustAbove: 0.9 });
  const res10 = resolveSettings(DETECTORS, { classes: FOUR, detection: tuned }, { detector: 'res10' }, cfg);
  assert.equal(res10.threshold, cfg.res10.minConfidence, 'no tuned setting for res10: its own');
  assert.deepEqual(res10.policy, { rejectAt: null, trustAbove: null });
});

test('what is asked wins, field by field; null turns a policy level off; the config names a detector over the model', () => {
  const s = resolveSettings(DETECTORS, { classes: FOUR, detection: tuned }, { detector: 'ssd-mobilenet', threshold: 0.5, trustAbove: null }, cfg);
  assert.equal(s.threshold, 0.5);
  assert.deepEqual(s.policy, { rejectAt: 0.2, trustAbove: null });
  assert.equal(s.source.threshold, 'asked');
  assert.equal(resolveSettings(DETECTORS, { classes: FOUR, detection: tuned }, {}, { ...cfg, detector: 'blazeface' }).detector, 'blazeface');
  assert.match(describeSettings(s, FOUR), /ssd-mobilenet at 0.5 \(as asked\); boxes dropped when p\(not_face\) >= 0.2/);
});

test('bad values and unknown names are refused with the valid form', async () => {
  assert.throws(() => resolveSettings(DETECTORS, { classes: FOUR }, { threshold: 1 }, cfg), /threshold must be in \(0, 1\), got 1/);
  assert.throws(() => resolveSettings(DETECTORS, { classes: FOUR }, { rejectAt: 1.5 }, cfg), /rejectAt must be in \[0, 1\] or null/);
  assert.throws(() => resolveSettings(DETECTORS, { classes: FOUR }, { detector: 'yolo' }, cfg), (e: Error) => e instanceof DetectorError && e.message.includes(DETECTORS.names().join(', ')));
  await assert.rejects(DETECTORS.create('yolo', cfg), /unknown detector "yolo" \(valid: res10, ssd-mobilenet/);
  await assert.rejects(DETECTORS.create('ssd-mobilenet', cfg, 0), /threshold must be in \(0, 1\)/);
});

test('adding a detector is one entry', async () => {
  const made: number[] = [];
  const reg = new DetectorRegistry([
    ...DETECTORS.names().map((n) => DETECTORS.get(n)),
    { name: 'fixed', summary: 'one box', ownThreshold: () => 0.42, create: async (_c, t) => (made.push(t), { name: 'fixed', detectFaces: async () => [{ box: [0, 0, 1, 1], score: 0.9 }], dispose() {} }) },
  ]);
  assert.ok(reg.names().includes('fixed'));
  assert.equal(resolveSettings(reg, { classes: TWO }, { detector: 'fixed' }, cfg).threshold, 0.42);
  const d = await reg.create('fixed', cfg);
  assert.deepEqual(made, [0.42]);
  assert.equal((await d.detectFaces({ data: new Uint8Array(3), width: 1, height: 1 })).length, 1);
});

test('a photo setting: photos get its detector, scales and threshold; video, and photos with another detector, the one-scale setting', () => {
  const plan = { upscale: 2, split: 24, maxPixels: 1_000_000 };
  const box = { dx: 0, dy: 0.1, sw: 0, sh: 0, n: 5 };
  const fineBox = { dx: 0, dy: 0.2, sw: 0.1, sh: 0, n: 3 };
  const detection = { detector: 'yunet', settings: { yunet: { threshold: 0.6, rejectAt: null, trustAbove: 0.9, box } }, photo: { detector: 'yunet', threshold: 0.8, rejectAt: 0.5, trustAbove: null, box, scales: plan, fineBox } };
  const m = { classes: FOUR, detection };
  const photo = resolveSettings(DETECTORS, m, {}, cfg);
  assert.deepEqual([photo.detector, photo.threshold, photo.scales, photo.fineBox, photo.policy.rejectAt], ['yunet', 0.8, plan, fineBox, 0.5]);
  assert.equal(photo.source.scales, 'model');
  const video = resolveSettings(DETECTORS, m, {}, cfg, 'video');
  assert.deepEqual([video.detector, video.threshold, video.scales, video.fineBox, video.policy.trustAbove], ['yunet', 0.6, null, null, 0.9]);
  const other = resolveSettings(DETECTORS, m, { detector: 'ssd-mobilenet' }, cfg);
  assert.deepEqual([other.detector, other.scales, other.threshold], ['ssd-mobilenet', null, DETECTORS.get('ssd-mobilenet').ownThreshold(cfg)]);
  // asked: one scale (null) or another plan; a box asked for replaces both corrections
  assert.equal(resolveSettings(DETECTORS, m, { scales: null }, cfg).scales, null);
  assert.equal(resolveSettings(DETECTORS, m, { scales: { ...plan, upscale: 1.5 } }, cfg).scales!.upscale, 1.5);
  assert.equal(resolveSettings(DETECTORS, m, { box: null }, cfg).fineBox, null);
  assert.match(describeSettings(photo, FOUR), /yunet at two scales: the photo and x2 .* for faces under 48 px at 0.8/);
});

test('two scales for a detector that searches one are refused, saying which can', async () => {
  const plan = { upscale: 2, split: 24, maxPixels: 1_000_000 };
  assert.throws(() => resolveSettings(DETECTORS, { classes: TWO }, { detector: 'res10', scales: plan }, cfg), /res10 searches a photo at one scale only/);
  await assert.rejects(DETECTORS.create('blazeface', cfg, 0.5, { scales: plan }), /one scale only \(two scales: yunet, yunet-n\)/);
  assert.throws(() => resolveSettings(DETECTORS, { classes: TWO }, { detector: 'yunet', scales: { ...plan, upscale: 9 } }, cfg), /scales.upscale must be in \(1, 4\]/);
});
