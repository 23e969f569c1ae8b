/**
 * tiktoken's byte-pair merge is quadratic in the length of one pre-token, and a run of Han characters with no
 * spaces or punctuation is a single pre-token: a 160k-character line takes ~100 s in tiktoken 1.0.22, a 10 MB one
 * would take hours. Long lines are therefore split, but only at positions where splitting provably cannot change the
 * count (splitLetterRunsAtSafeBoundaries below); if no such position exists near a chunk boundary the text is left
 * whole (correct, just slower). Used by both tiktoken adapters: the builtin OpenAI encodings (tiktoken-adapter.ts)
 * and rank files (tiktoken-file-adapter.ts), each of which proves condition 1 for its own regexes.
 */

export interface ByteVocab {
  /** Is this byte string (as latin1) a vocabulary entry? */
  has: (bytesAsLatin1: string) => boolean;
  /** Is it a prefix of some vocabulary entry (entries count as their own prefixes)? */
  hasPrefix: (bytesAsLatin1: string) => boolean;
  maxTokenBytes: number;
}

/** Membership tests over vocabulary entries given as base64 byte strings (both file formats below). */
function byteVocabFromBase64(entries: Iterable<string>): ByteVocab {
  const tokens = new Set<string>();
  const prefixes = new Set<string>();
  let max = 0;
  for (const b64 of entries) {
    const s = Buffer.from(b64, 'base64').toString('latin1');
    if (s.length > max) max = s.length;
    tokens.add(s);
    for (let k = 1; k <= s.length; k++) prefixes.add(s.slice(0, k));
  }
  return { has: (s) => tokens.has(s), hasPrefix: (s) => prefixes.has(s), maxTokenBytes: max };
}

/** Build membership tests over the vocabulary's byte strings from a tiktoken `bpe_ranks` blob (the builtin encodings). */
export function byteVocabFromRanks(bpeRanks: string): ByteVocab {
  // Lines of "<prefix> <offset> <b64> <b64> …": every base64 item from the third on is one rank.
  return byteVocabFromBase64((function* () {
    for (const line of bpeRanks.split('\n')) {
      const parts = line.split(' ');
      for (let i = 2; i < parts.length; i++) yield parts[i]!;
    }
  })());
}

const encoder = new TextEncoder();

function latin1Bytes(ch: string): string {
  return Buffer.from(encoder.encode(ch)).toString('latin1');
}

// ---------------------------------------------------------------------------------------------------------------
// Where a cut may fall. A cut between code points p-1 and p leaves the count unchanged when
//  1. the pre-tokenizer regex puts both sides in ONE piece M = T[s..e), s < p < e, and cutting yields exactly the
//     pieces of the whole line with M replaced by T[s..p) and T[p..e) (regex-specific: proven by each adapter for
//     its regexes, and only granted for those);
//  2. no vocabulary entry's bytes straddle the cut, so byte-pair merging of M never joins bytes from both sides and
//     M encodes to the concatenation of its halves' merges; and
//  3. neither half is itself a vocabulary entry (see below).
// (An earlier version looked only at Han characters around the cut: it cut " 下午 下午 …" between 下 and 午 and lost
// cl100k_base's " 下午" tokens, and it cut between radicals and 〇. The rules below replace it.)
//
//  - Cuts are only made between two CUT LETTERS: CJK Unified Ideographs U+4E00–U+9FEF and Extension A
//    U+3400–U+4DB5. `\p{Script=Han}` is not enough for condition 1: it also holds ~330 symbols (Kangxi and CJK
//    radicals, So), 16 letter-numbers (〇, 〡…〩, 〸…〺, Nl: `\p{N}` to the regexes, so `\p{N}{1,3}` groups
//    them three by three) and a few others, between which a cut does change the pieces. Every cut letter is a
//    Lo letter (`\p{L}`) in every Unicode version since 11.0, so the JavaScript test here and tiktoken's Rust regex
//    engine (which has its own, possibly older, Unicode tables) agree that both sides of a cut are letters.
//    test/tokenizers/tiktoken-file-chunks.test.ts checks that on tiktoken itself.
//  - Condition 2 is checked over a window of ANY characters (not only Han) reaching maxTokenBytes bytes on each
//    side: the piece around the cut may start with a non-letter prefix character (`[^\r\n\p{L}\p{N}]?\p{L}+`,
//    e.g. "，在学…") or contain Latin letters, and a vocabulary entry such as "，在学" must not be missed. Checking
//    substrings that cross piece boundaries as well only makes the test more conservative.
//  - Condition 3: neither half of the cut piece may itself be a vocabulary entry. tiktoken looks a whole piece up
//    in the vocabulary before running byte-pair merges on it, so a half that is an entry would be encoded as that
//    single token when chunked, while in the whole line the same bytes go through the merges, which need not reach
//    that token. The left half starts at or before the first cut letter of the run ending at the cut (under every
//    proven regex no piece ends between two cut letters, so the whole run lies in the cut piece), the right half
//    ends at or after the last one; every such candidate no longer than maxTokenBytes is checked.
// ---------------------------------------------------------------------------------------------------------------

const CUT_LETTER = /^[\u3400-\u4DB5\u4E00-\u9FEF]$/;

/** Is this one code point a letter a split may sit next to (see above)? */
export function isCutLetter(ch: string | undefined): boolean {
  return ch !== undefined && CUT_LETTER.test(ch);
}

/** Does the string contain a cut letter? (A special-token string that does could be cut; the adapter checks.) */
export function containsCutLetter(s: string): boolean {
  return /[\u3400-\u4DB5\u4E00-\u9FEF]/.test(s);
}

/** Build membership tests over a tiktoken rank file's byte strings ("<base64> <rank>" lines, as readRankFile reads). */
export function byteVocabFromRankFile(text: string): ByteVocab {
  return byteVocabFromBase64((function* () {
    for (const line of text.split('\n')) {
      const sp = line.indexOf(' ');
      if (sp > 0) yield line.slice(0, sp);
    }
  })());
}

/**
 * True when cutting between chars[p-1] and chars[p] (p indexes code points) provably leaves the count unchanged
 * under the 'letter-run' regexes (conditions 1–3 above; which regexes qualify: TiktokenFileAdapter.canChunk,
 * TiktokenAdapter). o200k_base needs more: splitLetterRunsAtSafeBoundaries(…, 'o200k').
 */
export function isSafeLetterRunBoundary(chars: string[], p: number, vocab: ByteVocab): boolean {
  if (!isCutLetter(chars[p - 1]) || !isCutLetter(chars[p])) return false;
  const max = vocab.maxTokenBytes;
  // Condition 3, left: candidates T[a..p) for a at or before the start of the cut-letter run ending at p.
  let run = '';
  let a = p - 1;
  for (; a >= 0 && isCutLetter(chars[a]) && run.length <= max; a--) run = latin1Bytes(chars[a]!) + run;
  if (run.length <= max) {
    if (vocab.has(run)) return false;
    for (let s = run; a >= 0; a--) {
      s = latin1Bytes(chars[a]!) + s;
      if (s.length > max) break;
      if (vocab.has(s)) return false;
    }
  }
  // Condition 3, right: candidates T[p..b) for b at or after the end of the cut-letter run starting at p.
  run = '';
  let b = p;
  for (; b < chars.length && isCutLetter(chars[b]) && run.length <= max; b++) run += latin1Bytes(chars[b]!);
  if (run.length <= max) {
    if (vocab.has(run)) return false;
    for (let s = run; b < chars.length && vocab.hasPrefix(s); b++) {
      s += latin1Bytes(chars[b]!);
      if (s.length > max) break;
      if (vocab.has(s)) return false;
    }
  }
  // Condition 2 over any characters, maxTokenBytes on each side (or to the ends of the text).
  let left = '';
  for (let i = p - 1; i >= 0 && left.length < max; i--) left = latin1Bytes(chars[i]!) + left;
  let right = '';
  for (let i = p; i < chars.length && right.length < max; i++) right += latin1Bytes(chars[i]!);
  const window = left + right;
  const cut = left.length;
  for (let i = 0; i < cut; i++) {
    let s = '';
    for (let j = i; j < window.length; j++) {
      s += window[j];
      if (!vocab.hasPrefix(s)) break;
      if (j >= cut && vocab.has(s)) return false;
    }
  }
  return true;
}

/**
 * Which proof a cut is made under. 'letter-run': regexes whose letters are taken by one greedy `\p{L}+` (gpt2,
 * r50k_base, p50k_base, cl100k_base, Qwen-1, Hunyuan, GLM-4). 'o200k': o200k_base's case-sensitive alternatives,
 * which additionally need the run of cut letters containing the cut to be followed by a character o200kRunMayEndWith
 * accepts (proof in tiktoken-adapter.ts).
 */
export type CutRule = 'letter-run' | 'o200k';

/**
 * Characters outside o200k's "upper" class `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`. Unassigned code
 * points (Cn) are refused too: tiktoken's Rust tables may be newer than this JavaScript engine's and know one of
 * them as a letter. test/tokenizers/safe-chunks.test.ts checks every accepted code point on tiktoken itself.
 */
const O200K_RUN_END = /^[^\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}\p{Cn}]$/u;

/** May a run of cut letters that an o200k_base cut sits in end with this character (undefined: the end of the text)? */
export function o200kRunMayEndWith(ch: string | undefined): boolean {
  return ch === undefined || O200K_RUN_END.test(ch);
}

/** What splitLetterRunsAtSafeBoundaries did, so tests can see that the chunked path was really taken. */
export const letterRunSplitStats: { calls: number; chunks: number; lastChunks: number; lastRule: CutRule | undefined } = {
  calls: 0, chunks: 0, lastChunks: 0, lastRule: undefined,
};

/**
 * Split text into chunks of about `targetChars` code points at positions isSafeLetterRunBoundary accepts (and, for
 * rule 'o200k', only inside runs of cut letters that end as o200kRunMayEndWith requires).
 * Returns [text] when the text is short or no safe position is found (then the caller encodes it whole).
 */
export function splitLetterRunsAtSafeBoundaries(text: string, vocab: ByteVocab, targetChars = 512, searchWindow = 256, rule: CutRule = 'letter-run'): string[] {
  let isSafe = (chars: string[], p: number): boolean => isSafeLetterRunBoundary(chars, p, vocab);
  if (rule === 'o200k') {
    // End of the cut-letter run containing p, remembered: candidates move forward, so each run is scanned once.
    let runFrom = -1;
    let runEnd = -1;
    isSafe = (chars, p) => {
      if (!isCutLetter(chars[p - 1]) || !isCutLetter(chars[p])) return false;
      if (p < runFrom || p >= runEnd) {
        let e = p + 1;
        while (e < chars.length && isCutLetter(chars[e])) e++;
        runFrom = p;
        runEnd = e;
      }
      return o200kRunMayEndWith(chars[runEnd]) && isSafeLetterRunBoundary(chars, p, vocab);
    };
  }
  const out = splitWith(text, isSafe, targetChars, searchWindow);
  letterRunSplitStats.calls++;
  letterRunSplitStats.chunks += out.length;
  letterRunSplitStats.lastChunks = out.length;
  letterRunSplitStats.lastRule = rule;
  return out;
}

function splitWith(text: string, isSafe: (chars: string[], p: number) => boolean, targetChars: number, searchWindow: number): string[] {
  if (text.length <= targetChars) return [text];
  const chars = Array.from(text);
  if (chars.length <= targetChars * 2) return [text];
  const cuts: number[] = [];
  let next = targetChars;
  while (next < chars.length - targetChars) {
    let found = -1;
    for (let d = 0; d < searchWindow && found < 0; d++) {
      if (isSafe(chars, next + d)) found = next + d;
    }
    if (found < 0) {
      next += searchWindow;
      continue;
    }
    cuts.push(found);
    next = found + targetChars;
  }
  if (!cuts.length) return [text];
  const out: string[] = [];
  let start = 0;
  for (const c of cuts) {
    out.push(chars.slice(start, c).join(''));
    start = c;
  }
  out.push(chars.slice(start).join(''));
  return out;
}
