import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Template } from '@huggingface/jinja';
import type { TokenizerPass } from '../core/passes.js';
import { packageRoot } from '../core/version.js';
import type { TokenizerAdapter } from './types.js';

export interface ChatOverhead {
  /** Tokens a one-turn chat (user message + generation prompt) costs beyond its content; median over the samples. */
  overheadTokens: number;
  min: number;
  max: number;
  samples: number;
  /** Where the template came from. */
  template: string;
  /** Chinese characters that fit the window once the template's overhead is paid (null without a window). */
  zhCharactersInWindow: number | null;
}

/** The tokenizer_config.json beside the loaded tokenizer file, when there is one. */
export function tokenizerConfigPath(tok: TokenizerAdapter): string | undefined {
  const src = tok.info.source;
  let dir: string | undefined;
  if (src.kind === 'npm' && src.package) dir = join(packageRoot(src.package) ?? '', 'models');
  else if (src.path && (src.kind === 'file' || src.kind === 'hub')) dir = dirname(src.path);
  const p = dir ? join(dir, 'tokenizer_config.json') : undefined;
  return p && existsSync(p) ? p : undefined;
}

type Config = { chat_template?: string | { name: string; template: string }[]; bos_token?: unknown; eos_token?: unknown };
const tokenText = (t: unknown): string => (typeof t === 'string' ? t : t && typeof t === 'object' && 'content' in t ? String((t as { content: unknown }).content) : '');

/** Render the tokenizer's own chat template (sandboxed Jinja: data only, no code execution). */
export function renderChat(config: Config, content: string): string | undefined {
  const raw = config.chat_template;
  const source = typeof raw === 'string' ? raw : Array.isArray(raw) ? (raw.find((t) => t.name === 'default') ?? raw[0])?.template : undefined;
  if (!source) return undefined;
  return new Template(source).render({
    messages: [{ role: 'user', content }],
    add_generation_prompt: true,
    bos_token: tokenText(config.bos_token),
    eos_token: tokenText(config.eos_token),
  });
}

export async function chatOverhead(tok: TokenizerAdapter, texts: readonly string[], window: number | null, zhCharsPerToken: number): Promise<ChatOverhead | undefined> {
  const path = tokenizerConfigPath(tok);
  if (!path) return undefined;
  const config = JSON.parse(readFileSync(path, 'utf8')) as Config;
  const sample = texts.slice(0, 25);
  const overheads: number[] = [];
  for (const text of sample) {
    const rendered = renderChat(config, text);
    if (rendered === undefined) return undefined;
    const [whole, content] = await tok.countBatch([rendered, text]);
    overheads.push(whole! - content!);
  }
  overheads.sort((a, b) => a - b);
  const overheadTokens = overheads[overheads.length >> 1]!;
  return {
    overheadTokens, min: overheads[0]!, max: overheads[overheads.length - 1]!, samples: overheads.length,
    template: `${tok.info.id} tokenizer_config.json chat_template`,
    zhCharactersInWindow: window === null ? null : Math.floor(Math.max(0, window - overheadTokens) * zhCharsPerToken),
  };
}

/** `--chat`: template overhead of a one-turn chat and the effective context after it. */
export const chatPass: TokenizerPass = {
  name: 'chat',
  enabled: (o) => o.chat === true,
  run: async (ctx) => {
    try {
      const zh = ctx.corpus.pairs.map((p) => p.zh);
      const zhTokens = ctx.pairCounts.zh.reduce((a, b) => a + b, 0);
      const zhChars = zh.reduce((a, t) => a + [...t].length, 0);
      const chat = await chatOverhead(ctx.tokenizer, zh, ctx.tokenizer.info.contextWindow, zhTokens ? zhChars / zhTokens : 0);
      if (!chat) ctx.warn('no chat template (tokenizer_config.json without chat_template): --chat overhead not measured');
      return chat ? { chat } : {};
    } catch (err) {
      ctx.warn(`chat template could not be rendered: ${(err as Error).message}`);
      return {};
    }
  },
};
