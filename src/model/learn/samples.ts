/** Pictures for the training notebook: augmented views of training images, as the base sees them. */
import { imageGrid, type Picture } from '../../charts/index';
import type { SplitRecord } from '../../data/split';
import { decodeImage } from '../../util/images';
import { mapLimit } from '../../util/files';
import { ORIGINAL_AUGMENTATION, type AugmentParams } from './augment';
import { affineViews } from './views';

/** One row per image: the plain 224x224 input, then `views` augmented views (the ones training caches). */
export async function augmentationGrid(records: SplitRecord[], views: number, seed: number, augment: AugmentParams = ORIGINAL_AUGMENTATION): Promise<Picture> {
  const plain = affineViews(null);
  const aug = affineViews(augment);
  const rows = await mapLimit(records, 4, async (r) => {
    const photo = await decodeImage(r.path);
    const item = { file: r.path, sha256: r.sha256 };
    return [
      { image: await plain.view(photo, item, 0, 224, seed), caption: r.label },
      ...(await Promise.all(Array.from({ length: views }, async (_, v) => ({ image: await aug.view(photo, item, v, 224, seed), caption: `view ${v}` })))),
    ];
  });
  return imageGrid(rows.flat(), { columns: views + 1, cellSize: 120, title: `augmented views (seed ${seed}): rotation ±${augment.rotation}°, zoom ±${augment.zoom}, shift ±${augment.widthShift}, shear ${augment.shear}°, flip` });
}
