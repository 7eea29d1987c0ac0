/**
 * Training presets: named recipes. `original` is the tutorial's (`train_mask_detector.py`).
 * A preset names its datasets and hyper-parameters; the classes come from the labels present in
 * the training data (in `LABELS` order), so a preset with three-class data gives a three-class model.
 */
import { ORIGINAL_AUGMENTATION, type AugmentParams } from './augment';
import { MOBILENET_V2_035 } from './base';

export interface Preset {
  name: string;
  summary: string;
  /** Datasets whose group-aware split (split seed) provides train/val/test. */
  datasets: string[];
  base: string;
  epochs: number;
  batchSize: number;
  /** Adam learning rate. */
  learningRate: number;
  /** Keras' legacy time-based decay per step: lr / (1 + decay * step); the tutorial uses lr / epochs. */
  decay: 'lr/epochs' | 'none';
  /** Augmentation of training images, or null. */
  augment: AugmentParams | null;
  /**
   * Augmented views per training image whose base features are computed once; each epoch picks a
   * different view of every image (afresh each epoch, from a fixed pool of K).
   */
  views: number;
  /** Views in small-data mode. */
  smallViews: number;
}

export const PRESETS: Record<string, Preset> = {
  original: {
    name: 'original',
    summary: "the tutorial's recipe: observations, Adam 1e-4 with decay lr/epochs, 20 epochs, batch 32, augmentation",
    datasets: ['observations'],
    base: MOBILENET_V2_035.name,
    epochs: 20,
    batchSize: 32,
    learningRate: 1e-4,
    decay: 'lr/epochs',
    augment: ORIGINAL_AUGMENTATION,
    views: 8,
    smallViews: 2,
  },
};

export function getPreset(name: string): Preset {
  const p = PRESETS[name];
  if (!p) throw new Error(`unknown training preset "${name}" (known: ${Object.keys(PRESETS).join(', ')})`);
  return p;
}
