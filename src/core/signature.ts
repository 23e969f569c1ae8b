import type { Protocol, Signature } from './types.js';
import { TOKBENCH_VERSION } from './version.js';
import { segmentationSignature } from './segmentation.js';

/**
 * A short reproducibility string in the manner of sacrebleu: two results with the same signature
 * were produced on the same bytes under the same protocol.
 */
export function makeSignature(corpus: { id: string; sha256: string }, protocol: Protocol, tokenizers: { id: string; sha256: string }[]): { text: string; fields: Signature } {
  const fields: Signature = {
    tool: 'tokbench:1',
    corpus: `${corpus.id}@${corpus.sha256.slice(0, 8)}`,
    segmentation: segmentationSignature(protocol),
    special: protocol.specialTokens ? 'yes' : 'no',
    unit: protocol.charUnit,
    engine: protocol.hfEngine,
    tokenizers: tokenizers.map((t) => `${t.id}@${t.sha256.slice(0, 8)}`),
    version: TOKBENCH_VERSION,
    // Only Traditional runs carry it, so Simplified signatures stay as they were before --lang existed.
    ...(protocol.lang === 'zh-Hant' ? { lang: protocol.lang } : {}),
  };
  const text = [
    fields.tool,
    `corpus:${fields.corpus}`,
    ...(fields.lang ? [`lang:${fields.lang}`] : []),
    `seg:${fields.segmentation}`,
    `special:${fields.special}`,
    `unit:${fields.unit}`,
    `engine:${fields.engine}`,
    `tok:${fields.tokenizers.join(',')}`,
    `v:${fields.version}`,
  ].join('|');
  return { text, fields };
}
