/**
 * Entry point of `src/charts/` for `import … from '../charts'`. tslab (the notebook kernel) cannot
 * resolve a folder import to its `index.ts` in the code it compiles, so this file makes the folder
 * import work in notebooks too. Everything lives in `./charts/index.ts`.
 */
export * from './charts/index';
