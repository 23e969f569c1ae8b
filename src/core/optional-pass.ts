import type { PassContext, TokenizerPass } from './passes.js';
import type { RunOptions } from './runner.js';
import type { TokenizerResult } from './types.js';

/**
 * A pass for an extra metric: the counts are already right when it runs, so its failure becomes a warning
 * ("<label> skipped: …") instead of costing the tokenizer its results. Interruption still propagates.
 */
export function optionalMetricPass<K extends keyof TokenizerResult>(spec: {
  name: string;
  label: string;
  field: K;
  enabled: (options: RunOptions) => boolean;
  compute: (ctx: PassContext) => Promise<TokenizerResult[K]>;
}): TokenizerPass {
  return {
    name: spec.name,
    enabled: spec.enabled,
    run: async (ctx) => {
      try {
        return { [spec.field]: await spec.compute(ctx) } as Partial<TokenizerResult>;
      } catch (err) {
        if (ctx.options.signal?.aborted) throw err;
        ctx.warn(`${spec.label} skipped: ${(err as Error).message ?? String(err)}`);
        return {};
      }
    },
  };
}
