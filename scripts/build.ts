/**
 * `npm run build`: the package's dist/ from nothing — the bundles and declarations tsup makes
 * (tsup.config.ts, one build after the other), the ESM entry over the CommonJS build, and the page `facemask serve` serves from an installed
 * package (dist/page/: app.js and worker.js bundled by src/web/bundle.ts, as a clone's server bundles it, and
 * index.html). Prints what it wrote and how long it took.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build, type Options } from 'tsup';
import configs from '../tsup.config';
import { bundlePage, pageHtml } from '../src/web/bundle';
import { packagePaths } from '../src/paths';

async function main(): Promise<void> {
  const t0 = performance.now();
  const p = packagePaths();
  const dist = path.join(p.root, 'dist');
  fs.rmSync(dist, { recursive: true, force: true });
  for (const c of configs as Options[]) await build({ ...c, config: false, silent: true });
  // the CommonJS declarations under the name TypeScript looks for beside index.cjs; the ESM entry and
  // its declarations: the CommonJS build re-exported (tsup.config.ts says why)
  fs.renameSync(path.join(dist, 'index.d.ts'), path.join(dist, 'index.d.cts'));
  fs.writeFileSync(path.join(dist, 'index.mjs'), "// facemask's ESM entry: the CommonJS build (index.cjs), re-exported — one copy of the library however it is loaded.\nexport * from './index.cjs';\n");
  fs.writeFileSync(path.join(dist, 'index.d.mts'), "export * from './index.cjs';\n");
  const page = await bundlePage();
  fs.mkdirSync(p.pageBuilt, { recursive: true });
  fs.writeFileSync(path.join(p.pageBuilt, 'app.js'), page.js);
  fs.writeFileSync(path.join(p.pageBuilt, 'worker.js'), page.worker);
  fs.copyFileSync(pageHtml(), path.join(p.pageBuilt, 'index.html'));
  const files = fs.readdirSync(dist, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  for (const f of files) {
    const full = path.join(f.parentPath, f.name);
    console.log(`${path.relative(p.root, full).padEnd(28)} ${(fs.statSync(full).size / 1024).toFixed(0).padStart(6)} KB`);
  }
  console.log(`built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(`build: ${(e as Error).message}`);
  process.exitCode = 1;
});
