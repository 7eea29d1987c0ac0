/** `--jsonl FILE` of `detect` and `classify`: the place checked (src/util/output.ts), then the lines streamed (src/util/jsonl.ts). */
import { claimOutput, OutputRefused } from '../../util/output';
import { JsonLinesFile, isJsonLinesOutput } from '../../util/jsonl';

/** Claim `file` for `verb`'s JSON lines and open its `.partial` file; throws `OutputRefused` saying why not. */
export function openJsonLines(verb: string, file: string, inputs: readonly string[], overwrite: boolean): JsonLinesFile {
  claimOutput({ verb, flag: '--jsonl', target: file, kind: 'file', inputs, overwrite, recognise: isJsonLinesOutput, what: 'the JSON lines' });
  try {
    return new JsonLinesFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new OutputRefused(`--jsonl ${file}: cannot be written (${code ?? (e as Error).message}): name a file in a folder you can write`);
  }
}
