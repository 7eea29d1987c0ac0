/**
 * The assets the project installs (see ../shared/README.md), where they go, where they come from,
 * and what needs them. Their SHA-256 sums are committed in `src/assets/sums/<name>.sha256`; of the
 * files themselves only YuNet's are committed (the default detector: a clone detects without the
 * mirror, and `prepare` finds them verified).
 */
import * as path from 'node:path';
import { type ProjectPaths } from '../paths';

export type Upstream =
  /** Public files whose bytes are identical to the mirror's: `url(rel)` gives each file's address. */
  | { kind: 'http'; source: string; url: (rel: string) => string }
  /** No anonymous download with identical bytes: what the user must do instead. */
  | { kind: 'manual'; instructions: string };

export interface AssetSpec {
  name: string;
  description: string;
  /** Folder inside a mirror laid out like ../shared. */
  mirrorPath: string;
  /** Where it is installed in the project. */
  target: (p: ProjectPaths) => string;
  upstream: Upstream;
  /** The verbs (and notebooks) that need it: what `facemask prepare` says when it is missing. */
  neededFor: string;
}

/** Each path segment URL-encoded (names with spaces and non-ASCII characters exist). */
export function encodePath(rel: string): string {
  return rel.split('/').map(encodeURIComponent).join('/');
}

const github = (repo: string, branch: string, dir: string) => (rel: string) =>
  `https://raw.githubusercontent.com/${repo}/${branch}/${encodePath(path.posix.join(dir, rel))}`;

export const ASSETS: AssetSpec[] = [
  {
    name: 'observations',
    description: "the tutorial's dataset: 690 with_mask (masks pasted on) + 686 without_mask",
    mirrorPath: 'datasets/observations',
    target: (p) => path.join(p.dataset, 'observations'),
    upstream: { kind: 'http', source: 'GitHub prajnasb/observations, experiements/data', url: github('prajnasb/observations', 'master', 'experiements/data') },
    neededFor: 'inspect (the split), train --preset original (models/original) and cv; evaluate --sets split and confusers; notebooks 00-04',
  },
  {
    name: 'chandrikadeb7',
    description: 'chandrikadeb7/Face-Mask-Detection: 2164 with_mask + 1930 without_mask, mostly real photos (MIT)',
    mirrorPath: 'datasets/chandrikadeb7',
    target: (p) => path.join(p.dataset, 'chandrikadeb7'),
    upstream: { kind: 'http', source: 'GitHub chandrikadeb7/Face-Mask-Detection, dataset/', url: github('chandrikadeb7/Face-Mask-Detection', 'master', 'dataset') },
    neededFor: 'inspect (the split), synth and train --preset realworld (the shipped recipe), cv; evaluate --sets confusers; notebooks 00-04',
  },
  {
    name: 'kaggle-face-mask-dev',
    description: 'Kaggle "Face Mask Detection" images 0-299 (JPEG) with VOC annotations: 1,499 real faces in street scenes (CC0)',
    mirrorPath: 'datasets/kaggle-face-mask-dev',
    target: (p) => path.join(p.dataset, 'kaggle-face-mask-dev'),
    upstream: {
      kind: 'manual',
      instructions:
        'The Kaggle dataset needs a Kaggle login, and this project uses JPEG conversions of its first 300 images whose exact bytes are pinned by SHA-256. ' +
        'Get the project\'s data mirror (a folder laid out like the team\'s shared/ folder, containing datasets/kaggle-face-mask-dev/{images,annotations}) and run: ' +
        'npx facemask prepare --mirror /path/to/mirror --only kaggle-face-mask-dev',
    },
    neededFor: 'train --preset realworld, evaluate --sets real (the street faces), tune and calibrate; notebooks 00, 04 and 05',
  },
  {
    name: 'ilc2021',
    description:
      'face-mask-dataset-ilc-2021 (jolignier, commit 1178de4): 3,782 real face crops (1,880 with_mask, 1,440 without_mask, 462 incorrect_mask) and 300 annotated scenes; no licence stated: never committed or redistributed',
    mirrorPath: 'datasets/ilc2021',
    target: (p) => path.join(p.dataset, 'ilc2021'),
    upstream: {
      kind: 'manual',
      instructions:
        'The ilc2021 class dataset is used as the team prepared it (crops and scaled scenes made from the source photos, copies of the Kaggle face-mask set removed), and its source states no licence, so no public URL serves these exact bytes and the project never redistributes them. ' +
        "Get the project's data mirror (a folder laid out like the team's shared/ folder, containing datasets/ilc2021/{crops.jsonl,crops,scenes}) and run: " +
        'npx facemask prepare --mirror /path/to/mirror --only ilc2021',
    },
    neededFor: 'train --preset realworld (its faces, incorrect_mask above all), evaluate --sets ilc2021-val ilc2021-test, calibrate and cv',
  },
  {
    name: 'everyday-unmasked',
    description:
      'everyday-unmasked: 64 photos of people without masks (portraits, press photos, a selfie group; make-up, beards, microphones at the mouth), every face without_mask; the photos carry no licence: never committed or redistributed',
    mirrorPath: 'datasets/everyday-unmasked',
    target: (p) => path.join(p.dataset, 'everyday-unmasked'),
    upstream: {
      kind: 'manual',
      instructions:
        "These are serengil/deepface's unit-test photos (tests/unit/dataset/) as the team prepared them (scaled so the longer side is <= 1024 px, JPEG q90), so no public URL serves these exact bytes, and their own rights are not stated, so the project never redistributes them. " +
        "Get the project's data mirror (a folder laid out like the team's shared/ folder, containing datasets/everyday-unmasked/images/) and run: " +
        'npx facemask prepare --mirror /path/to/mirror --only everyday-unmasked',
    },
    neededFor: 'inspect (the split), train --preset realworld and its measurements of unmasked portraits',
  },
  {
    name: 'face_detector',
    description: "OpenCV's ResNet-10 SSD face detector (8-bit TensorFlow export), the tutorial's detector",
    mirrorPath: 'models/face_detector',
    target: (p) => p.faceDetector,
    upstream: {
      kind: 'http',
      source: 'GitHub opencv/opencv_3rdparty (weights) and opencv/opencv samples (graph)',
      url: (rel) =>
        rel === 'opencv_face_detector_uint8.pb'
          ? 'https://raw.githubusercontent.com/opencv/opencv_3rdparty/dnn_samples_face_detector_20180220_uint8/opencv_face_detector_uint8.pb'
          : `https://raw.githubusercontent.com/opencv/opencv/4.x/samples/dnn/face_detector/${encodePath(rel)}`,
    },
    neededFor: 'detect, video and tune with --detector res10 (the tutorial\'s detector)',
  },
  {
    name: 'yunet',
    description: 'YuNet face detector (libfacedetection.train, ONNX): yunet_s and yunet_n, dynamic and 640x640 input',
    mirrorPath: 'models/yunet',
    target: (p) => path.join(p.faceDetector, 'yunet'),
    upstream: { kind: 'http', source: 'GitHub ShiqiYu/libfacedetection.train, onnx/', url: github('ShiqiYu/libfacedetection.train', 'master', 'onnx') },
    neededFor: 'detect, video and serve with the default detector (yunet-n) or --detector yunet; committed with the repository',
  },
  {
    name: 'mobilenet_v2_0.35_224',
    description: 'MobileNetV2 alpha 0.35, 224x224, ImageNet weights, no top (TF.js layers model)',
    mirrorPath: 'models/mobilenet_v2_0.35_224',
    target: (p) => path.join(p.pretrained, 'mobilenet_v2_0.35_224'),
    upstream: {
      kind: 'manual',
      instructions:
        'This base network was cut out of a Teachable Machine export (mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top); no public URL serves these exact bytes. ' +
        'Get the project\'s data mirror (containing models/mobilenet_v2_0.35_224/{model.json,weights.bin}) and run: ' +
        'npx facemask prepare --mirror /path/to/mirror --only mobilenet_v2_0.35_224',
    },
    neededFor: 'train, ensemble and cv; the model.onnx of models/original (detect, classify, evaluate, video or serve --model models/original); notebooks 00-05. Not for detect, classify, evaluate, video or serve with the shipped model, whose model.onnx is committed',
  },
];

export const ASSET_NAMES = ASSETS.map((a) => a.name);

export function findAsset(name: string): AssetSpec {
  const a = ASSETS.find((x) => x.name === name);
  if (!a) throw new Error(`unknown asset "${name}" (valid: ${ASSET_NAMES.join(', ')})`);
  return a;
}
