/**
 * Text files imported as strings by the browser entry (src/browser.ts): the build inlines them
 * (tsup.config.ts, loader `text`), so the bundle carries the committed sums it checks files against.
 */
declare module '*.sha256' {
  const text: string;
  export default text;
}
