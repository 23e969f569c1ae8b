/**
 * tiktoken's byte-pair merge is quadratic in the length of one pre-token, and a run of Han characters with no
 * spaces or punctuation is a single pre-token: a 160k-character line takes ~100 s in tiktoken 1.0.22, a 10 MB one
 * would take hours. We split such lines only at positions where splitting provably cannot change the count:
 *
 *  1. the position lies between two Han letters inside one run of letters, so the pre-tokenizer regexes of the
 *     OpenAI encodings (`\p{L}+`-style alternatives) would have produced one piece spanning it, and splitting there
 *     yields exactly the two halves of that piece, with all other pieces unchanged; and
 *  2. no vocabulary entry's bytes straddle the position (checked for every substring crossing it up to the longest
 *     token), so byte-pair merging can never join bytes from both sides: merges on each side are independent and
 *     the whole piece encodes to the concatenation of the halves' encodings.
 *
 * If no such position exists near a chunk boundary the text is left whole (correct, just slower).
 * test/tokenizers/safe-chunks.test.ts proves chunked == whole counts on long real lines.
 */

const HAN = /\p{Script=Han}/u;

export interface ByteVocab {
  /** Is this byte string (as latin1) a vocabulary entry? */
  has: (bytesAsLatin1: string) => boolean;
  /** Is it a prefix of some vocabulary entry (entries count as their own prefixes)? */
  hasPrefix: (bytesAsLatin1: string) => boolean;
  maxTokenBytes: number;
}

/** Build membership tests over the vocabulary's byte strings from a tiktoken `bpe_ranks` blob. */
export function byteVocabFromRanks(bpeRanks: string): ByteVocab {
  const tokens = new Set<string>();
  const prefixes = new Set<string>();
  let max = 0;
  for (const line of bpeRanks.split('\n')) {
    const parts = line.split(' ');
    for (let i = 2; i < parts.length; i++) {
      const s = Buffer.from(parts[i]!, 'base64').toString('latin1');
      if (s.length > max) max = s.length;
      tokens.add(s);
      for (let k = 1; k <= s.length; k++) prefixes.add(s.slice(0, k));
    }
  }
  return { has: (s) => tokens.has(s), hasPrefix: (s) => prefixes.has(s), maxTokenBytes: max };
}

const encoder = new TextEncoder();

function isHanAt(chars: string[], i: number): boolean {
  const c = chars[i];
  return c !== undefined && HAN.test(c);
}

function latin1Bytes(ch: string): string {
  return Buffer.from(encoder.encode(ch)).toString('latin1');
}

/** True when no vocabulary entry can span the boundary between chars[p-1] and chars[p] (p indexes code points). */
export function isSafeBoundary(chars: string[], p: number, vocab: ByteVocab): boolean {
  if (!isHanAt(chars, p - 1) || !isHanAt(chars, p)) return false;
  // The bytes of the Han run around p, as far as one token could reach on either side.
  let left = '';
  for (let a = p - 1; a >= 0 && isHanAt(chars, a) && left.length < vocab.maxTokenBytes; a--) left = latin1Bytes(chars[a]!) + left;
  let right = '';
  for (let b = p; b < chars.length && isHanAt(chars, b) && right.length < vocab.maxTokenBytes; b++) right += latin1Bytes(chars[b]!);
  const window = left + right;
  const cut = left.length;
  // Every substring that starts left of the cut and ends right of it, extended while it is still a vocabulary
  // prefix: if any such substring is a whole entry, a merge could cross the cut.
  for (let a = 0; a < cut; a++) {
    let s = '';
    for (let j = a; j < window.length; j++) {
      s += window[j];
      if (!vocab.hasPrefix(s)) break;
      if (j >= cut && vocab.has(s)) return false;
    }
  }
  return true;
}

/**
 * Split text into chunks of about `targetChars` code points at provably safe boundaries.
 * Returns [text] when the text is short or no safe boundary is found.
 */
export function splitAtSafeBoundaries(text: string, vocab: ByteVocab, targetChars = 512, searchWindow = 256): string[] {
  if (text.length <= targetChars) return [text];
  const chars = Array.from(text);
  if (chars.length <= targetChars * 2) return [text];
  const cuts: number[] = [];
  let next = targetChars;
  while (next < chars.length - targetChars) {
    let found = -1;
    for (let d = 0; d < searchWindow && found < 0; d++) {
      if (isSafeBoundary(chars, next + d, vocab)) found = next + d;
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
