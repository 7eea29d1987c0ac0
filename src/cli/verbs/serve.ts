/**
 * `facemask serve`: a local web page that runs the project's pipeline in the browser (YuNet and the
 * classifier on onnxruntime-web) on the camera or on a photo. Serves until Ctrl-C (src/web/server.ts).
 */
import { defineVerb } from '../args';
import { startServer, ServeError } from '../../web/server';
import { interruption } from '../../util/interrupt';

export const serveVerb = defineVerb({
  name: 'serve',
  summary: 'a local web page that detects masks in the browser, on the camera or a photo',
  flags: {
    port: { type: 'integer', value: 'PORT', help: 'port to listen on; 0 picks a free one (default: 8080)' },
    host: { type: 'string', value: 'ADDRESS', help: 'address to listen on (default: 127.0.0.1, this machine only; browsers allow the camera only on localhost or https)' },
    model: { type: 'string', value: 'DIR', help: 'classifier folder (default: models/default)' },
    'allow-host': { type: 'list', value: 'NAME', help: 'other names the page may be opened by (the Host header), beside --host, localhost, 127.0.0.1 and [::1]; others are refused (DNS rebinding)' },
  },
  graceful: true,
  examples: [
    { cmd: 'facemask serve', note: 'then open http://127.0.0.1:8080/ and press "Start camera", or drop a photo' },
    { cmd: 'facemask serve --port 8081', note: 'another port' },
    { cmd: 'facemask serve --model runs/train/x/model', note: 'another classifier (with an ONNX form)' },
    { cmd: 'facemask serve --host 0.0.0.0 --allow-host mybox.local', note: 'reachable from the network as http://mybox.local:8080/' },
  ],
  async run(args) {
    let server;
    try {
      server = await startServer({ port: args.flags.port, host: args.flags.host, model: args.flags.model, allowHosts: args.flags['allow-host'] });
    } catch (e) {
      if (!(e instanceof ServeError)) throw e;
      console.error(`facemask serve: ${e.message}`);
      return 2;
    }
    const host = (args.flags.host) ?? '127.0.0.1';
    if (!['127.0.0.1', 'localhost', '::1'].includes(host)) console.error(`facemask serve: listening on ${host}: other machines can open the page, but browsers give it the camera only on this machine (localhost) or over https`);
    console.error(server.bundleMs > 0 ? `facemask serve: page bundled in ${server.bundleMs.toFixed(0)} ms` : 'facemask serve: the page as built (dist/page/)');
    console.log(`facemask serve: open ${server.url} (Ctrl-C to stop)`);
    // serves until Ctrl-C (or SIGTERM): then it closes every connection and exits 130 (143)
    await new Promise<void>((resolve) => (interruption.signal.aborted ? resolve() : interruption.signal.addEventListener('abort', () => resolve(), { once: true })));
    await server.close();
    console.error(`facemask serve: stopped (${interruption.stoppedBy ?? 'SIGINT'})`);
    return interruption.exitCode;
  },
});
