import { parentPort } from 'node:worker_threads';
import { prepareRun, runTokenizer, type RunOptions, type TokenizerOutcome } from './runner.js';

/**
 * Worker side of `--jobs N`: runs one tokenizer of a run with the same code path as the main thread, so results
 * are identical whatever the number of jobs. Receives options without callbacks (they cannot cross threads).
 */
parentPort!.on('message', async (msg: { index: number; input: { options: RunOptions; spec: string; position: number } }) => {
  try {
    const ctx = prepareRun(msg.input.options, { quiet: true });
    const output: TokenizerOutcome = await runTokenizer(ctx, msg.input.spec, msg.input.position);
    parentPort!.postMessage({ index: msg.index, output });
  } catch (err) {
    parentPort!.postMessage({ index: msg.index, error: (err as Error)?.message ?? String(err) });
  }
});
