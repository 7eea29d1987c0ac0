/**
 * Test preload (node --require): makes onnxruntime-node's native binding fail to load the way a
 * platform without its binaries does (dlopen error), so the fallback to onnxruntime-web is exercised.
 */
const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (String(request).endsWith('onnxruntime_binding.node')) {
    throw new Error(`${request}: cannot open shared object file: No such file or directory`);
  }
  return load.call(this, request, ...rest);
};
