/**
 * Training presets: named recipes. `original` is the tutorial's (`train_mask_detector.py`).
 * A preset names its datasets and hyper-parameters; the classes come from the labels present in
 * the training data (in `LABELS` order), so a preset with three-class data gives a three-class model.
 */
import { ORIGINAL_AUGMENTATION, type AugmentParams } from './augment';
import { MOBILENET_V2_035 } from './base';
import { REAL_AUGMENT, type RealAugment } from './realworld';

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
  /** Where the data comes from: the group-aware split of `datasets`, or the realworld mix (src/model/realworld.ts). default: 'split' */
  data?: 'split' | 'realworld';
  /** realworld: the views' augmentation (jittered boxes, small faces, blur, JPEG, lighting), or null. */
  realAugment?: RealAugment | null;
  /** realworld: use Kaggle tune face crops for training. default: true */
  kaggleTune?: boolean;
  /** realworld: more labelled face-image datasets used whole (leak-filtered). default: none */
  extraDatasets?: string[];
  /** realworld: copies of every Kaggle tune training face, each with its own views (over-sampling). default: 1 */
  tuneCopies?: number;
  /** Class imbalance: 'balanced' weights each item's loss by n / (k * n_class); 'none' does not. default: 'none' */
  classWeights?: 'balanced' | 'none';
  /** realworld: train the internal `not_face` class on this detector's false boxes on the tune photos (score >= minScore). default: none */
  notFace?: { detector: string; minScore: number } | null;
  /** Hidden units of the head. default: 128 */
  hidden?: number;
  /** Dropout rate of the head. default: 0.5 */
  dropout?: number;
  /**
   * What the head sees (src/model/base.ts `RICH_LAYOUT`): 'pooled' — the mean of the base's last map
   * (the tutorial's); 'bands' — that map averaged in three horizontal bands (eyes / nose / mouth and
   * chin); 'bands+mid' — bands plus the means of two inner layers; 'finetune' — the head is trained
   * on 'pooled' first, then the base's last 1x1 convolution (`Conv_1`, BatchNorm folded in) is
   * trained together with it (`finetune`). default: 'pooled'
   */
  features?: FeatureSelection;
  /** 'finetune': epochs and Adam learning rate of the second phase. */
  finetune?: { epochs: number; learningRate: number };
}

export type FeatureSelection = 'pooled' | 'bands' | 'bands+mid' | 'finetune';

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
  realworld: {
    name: 'realworld',
    summary:
      'real faces, three classes: chandrikadeb7 + Kaggle tune face crops + synthetic masks (correct/nose/chin), ' +
      'detector-like views (jittered boxes, small faces, blur, JPEG, lighting), balanced class weights',
    datasets: ['chandrikadeb7', 'kaggle-face-mask-dev'],
    base: MOBILENET_V2_035.name,
    epochs: 30,
    batchSize: 64,
    learningRate: 1e-3,
    decay: 'lr/epochs',
    augment: null,
    views: 2,
    smallViews: 2,
    data: 'realworld',
    tuneCopies: 3,
    realAugment: REAL_AUGMENT,
    classWeights: 'balanced',
    notFace: { detector: 'ssd-mobilenet', minScore: 0.1 },
    hidden: 256,
    dropout: 0.5,
  },
};

/** Variants of `realworld` measured while building it (README: approaches tried). */
PRESETS['realworld-unweighted'] = { ...PRESETS.realworld, name: 'realworld-unweighted', summary: 'realworld without class weights (imbalance left as is)', classWeights: 'none' };
PRESETS['realworld-no-notface'] = { ...PRESETS.realworld, name: 'realworld-no-notface', summary: 'realworld without the internal not_face class', notFace: null };

PRESETS['realworld-observations'] = { ...PRESETS.realworld, name: 'realworld-observations', summary: "realworld plus the tutorial's observations images", extraDatasets: ['observations'], datasets: ['chandrikadeb7', 'observations', 'kaggle-face-mask-dev'] };

PRESETS['realworld-bands'] = { ...PRESETS.realworld, name: 'realworld-bands', summary: 'realworld, the head sees the last map in three horizontal bands (where on the face, not only what)', features: 'bands' };
PRESETS['realworld-bands-mid'] = { ...PRESETS.realworld, name: 'realworld-bands-mid', summary: 'realworld, three bands of the last map plus two inner layers (multi-layer features)', features: 'bands+mid' };
PRESETS['realworld-finetune'] = { ...PRESETS.realworld, name: 'realworld-finetune', summary: "realworld, then the base's last 1x1 convolution fine-tuned with the head", features: 'finetune', finetune: { epochs: 4, learningRate: 1e-4 } };

PRESETS['realworld-more-negatives'] = { ...PRESETS.realworld, name: 'realworld-more-negatives', summary: "realworld with not_face from every false SSD box scoring >= 0.05 (about 6x as many: 3,001 against 530)", notFace: { detector: 'ssd-mobilenet', minScore: 0.05 } };

PRESETS['realworld-scene-heavy'] = { ...PRESETS.realworld, name: 'realworld-scene-heavy', summary: 'realworld with every Kaggle tune face 6 times (scene faces weigh twice as much)', tuneCopies: 6 };

export function getPreset(name: string): Preset {
  const p = PRESETS[name];
  if (!p) throw new Error(`unknown training preset "${name}" (known: ${Object.keys(PRESETS).join(', ')})`);
  return p;
}
