/**
 * Reading and writing tfjs layers models as files (`model.json` + `weights.bin`) without
 * tfjs-node: small IO handlers over `node:fs`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf } from '../backend/tf';
import { MODEL_JSON, WEIGHTS_BIN } from './files';

export { MODEL_JSON, WEIGHTS_BIN, ONNX_FILE, sha256File } from './files';

/** File names of a saved tfjs model: the topology JSON and the one weights file. default: `model.json`, `weights.bin` */
export interface ModelFiles {
  json: string;
  bin: string;
}
const DEFAULT_FILES: ModelFiles = { json: MODEL_JSON, bin: WEIGHTS_BIN };

/** A handler that loads `dir/model.json` (or `files.json`) and the weight files its manifest names. */
export function fileLoader(dir: string, files: ModelFiles = DEFAULT_FILES): tf.io.IOHandler {
  return {
    async load() {
      const jsonPath = path.join(dir, files.json);
      if (!fs.existsSync(jsonPath)) throw new Error(`no ${files.json} in ${dir}`);
      const json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest as tf.io.WeightsManifestConfig) {
        for (const p of group.paths) {
          if (!/^[\w.-]+$/.test(p) || p === '.' || p === '..') throw new Error(`${jsonPath} names a weights file outside its folder (${JSON.stringify(p)}): refusing it`);
          const file = path.join(dir, p);
          if (!fs.existsSync(file)) throw new Error(`weights file missing: ${file}`);
          buffers.push(fs.readFileSync(file));
        }
        specs.push(...group.weights);
      }
      const all = Buffer.concat(buffers);
      return {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.length),
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
      };
    },
  };
}

/** A handler that writes `dir/model.json` + `dir/weights.bin` (or `files`; dir must exist; callers make it atomic). */
export function fileSaver(dir: string, files: ModelFiles = DEFAULT_FILES): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts) {
      const data = artifacts.weightData as ArrayBuffer;
      const weights = Buffer.from(data);
      fs.writeFileSync(path.join(dir, files.bin), weights);
      const json = {
        format: 'layers-model',
        generatedBy: `facemask (tfjs ${tf.version.tfjs})`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [files.bin], weights: artifacts.weightSpecs }],
      };
      fs.writeFileSync(path.join(dir, files.json), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.length } };
    },
  };
}
