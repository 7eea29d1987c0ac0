/**
 * Child process for the "killed mid-save" test: starts saving a model into argv[2] and, once the
 * head's weights are written into the temporary folder, tells the parent and waits to be killed.
 */
import { initBackend } from '../../src/backend/tf';
import { buildHead } from '../../src/model/head';
import { saveClassifier } from '../../src/model/classifier';
import { manifestFor } from './helpers';

(async () => {
  await initBackend({ quiet: true });
  const { head } = buildHead(2, { seed: 99 });
  const stalling = new Proxy(head, {
    get(target, prop, recv) {
      if (prop === 'save') {
        return async (h: Parameters<typeof head.save>[0]) => {
          const r = await target.save(h);
          process.send!('weights-written');
          await new Promise(() => {}); // hang: the parent kills us here
          return r;
        };
      }
      return Reflect.get(target, prop, recv);
    },
  });
  await saveClassifier(process.argv[2], stalling, manifestFor(['with_mask', 'without_mask']));
})();
