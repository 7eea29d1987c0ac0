/**
 * Test helper run as a child process: creates the ONNX engine as the environment says, loads a model
 * and prints `{ name, description, outputs }` as JSON (or `{ error }`).
 */
import * as fs from 'node:fs';
import { createEngine } from '../../src/backend/onnx';

(async () => {
  try {
    const engine = await createEngine();
    const net = await engine.load(fs.readFileSync(process.argv[2]));
    process.stdout.write(JSON.stringify({ name: engine.name, description: engine.description, outputs: net.outputNames }));
    await net.dispose();
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: (e as Error).message }));
  }
})();
