/**
 * A model folder's file names and a file's checksum — without tfjs, so that loading a model's ONNX
 * form (./load.ts) loads no training runtime. The tfjs reading and writing of these files: ./io.ts.
 */
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
/** A model folder's ONNX export (the frozen network, with every member of a composite), derived from the tfjs files. */
export const ONNX_FILE = 'model.onnx';

/** SHA-256 (hex) of a file. */
export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
