/** Pictures for the training notebook: augmented views of training images, as the base sees them. */
import { imageGrid, type Picture } from '../charts/index';
import { decodeForModel } from './features';
import { augmentView, ORIGINAL_AUGMENTATION, type AugmentParams } from './augment';
import type { SplitRecord } from '../data/split';

/** One row per image: the plain 224x224 input, then `views` augmented views (the ones training caches). */
export async function augmentationGrid(records: SplitRecord[], views: number, seed: number, augment: AugmentParams = ORIGINAL_AUGMENTATION): Promise<Picture> {
  const imgs = await decodeForModel(records.map((r) => r.path), 224);
  const items = imgs.flatMap((img, i) => [
    { image: img, caption: records[i].label },
    ...Array.from({ length: views }, (_, v) => ({ image: augmentView(img, seed, records[i].sha256, v, augment), caption: `view ${v}` })),
  ]);
  return imageGrid(items, { columns: views + 1, cellSize: 120, title: `augmented views (seed ${seed}): rotation ±${augment.rotation}°, zoom ±${augment.zoom}, shift ±${augment.widthShift}, shear ${augment.shear}°, flip` });
}
