import type { Corpus, CorpusSplit } from '../corpora/types.js';
import { UsageError } from './errors.js';
import type { Protocol, Segmentation } from './types.js';

export const SEGMENTATIONS: readonly Segmentation[] = ['per-line', 'joined', 'petrov2023'];
export const PROTOCOLS = ['petrov2023'] as const;
export type NamedProtocol = (typeof PROTOCOLS)[number];

/**
 * The splits a joined protocol walks. Corpora without recorded splits count as one file per side ending in
 * '\n', which is how line-aligned corpora are stored.
 */
function splitsOf(corpus: Corpus): CorpusSplit[] {
  return corpus.splits?.length ? corpus.splits : [{ name: 'all', start: 0, count: corpus.pairs.length, finalNewline: { zh: true, en: true } }];
}

/**
 * The single text per side that a joined protocol encodes.
 * - joined: every line of the side, in corpus order, joined by `join`.
 * - petrov2023: per split file (dev, then devtest), Python's `text.split('\n')`, which keeps the '' after the
 *   final newline; the lists concatenated and joined by ' '. Against a plain ' ' join this adds a double space
 *   at each split boundary and a trailing space.
 */
export function joinedText(corpus: Corpus, side: 'zh' | 'en', segmentation: Exclude<Segmentation, 'per-line'>, join = ' '): string {
  if (segmentation === 'joined') return corpus.pairs.map((p) => p[side]).join(join);
  const parts: string[] = [];
  for (const s of splitsOf(corpus)) {
    for (let i = s.start; i < s.start + s.count; i++) parts.push(corpus.pairs[i]![side]);
    if (s.finalNewline[side]) parts.push('');
  }
  return parts.join(' ');
}

/** Interpret the escapes a shell cannot type easily in `--join`: \n, \t, \\. */
export function parseJoin(value: string): string {
  return value.replace(/\\(n|t|\\)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}

export interface SegmentationChoice {
  segmentation: Segmentation;
  join?: string;
}

/** Resolve --segmentation / --join / --protocol into one protocol; contradictions are usage errors. */
export function resolveSegmentation(o: { segmentation?: string; join?: string; protocol?: string; specialTokens?: boolean }): SegmentationChoice {
  if (o.protocol !== undefined) {
    if (!(PROTOCOLS as readonly string[]).includes(o.protocol)) throw new UsageError(`unknown --protocol "${o.protocol}"`, `use one of ${PROTOCOLS.join(', ')}`);
    if (o.segmentation !== undefined && o.segmentation !== o.protocol) throw new UsageError(`--protocol ${o.protocol} fixes the segmentation; do not also give --segmentation ${o.segmentation}`);
    if (o.join !== undefined) throw new UsageError(`--protocol ${o.protocol} joins with one space; do not also give --join`);
    // The published counts exclude special tokens; counting them would no longer be that protocol.
    if (o.specialTokens) throw new UsageError(`--protocol ${o.protocol} counts no special tokens; drop --special-tokens or use --segmentation joined`);
    return { segmentation: 'petrov2023', join: ' ' };
  }
  const seg = o.segmentation ?? 'per-line';
  if (!(SEGMENTATIONS as readonly string[]).includes(seg)) throw new UsageError(`unknown --segmentation "${seg}"`, `use one of ${SEGMENTATIONS.join(', ')}`);
  if (seg === 'per-line') {
    if (o.join !== undefined) throw new UsageError('--join only applies to --segmentation joined');
    return { segmentation: 'per-line' };
  }
  if (seg === 'petrov2023') {
    if (o.join !== undefined) throw new UsageError('petrov2023 joins with one space; do not also give --join');
    return { segmentation: 'petrov2023', join: ' ' };
  }
  return { segmentation: 'joined', join: o.join ?? ' ' };
}

/** One phrase for reports: how the counts were produced. */
export function describeSegmentation(p: Pick<Protocol, 'segmentation' | 'join'>): string {
  switch (p.segmentation) {
    case 'per-line':
      return 'each side of each pair encoded alone, counts summed';
    case 'joined':
      return `all lines of a side joined by ${JSON.stringify(p.join ?? ' ')} and encoded once; no per-pair or per-domain counts`;
    case 'petrov2023':
      return "Petrov et al. 2023: per side, each split file split on '\\n' (keeping the final empty string), concatenated, joined by ' ', encoded once; no per-pair or per-domain counts";
  }
}

/** The `seg:` field of the signature; the separator is percent-encoded so it can never contain '|'. */
export function segmentationSignature(p: Pick<Protocol, 'segmentation' | 'join'>): string {
  return p.segmentation === 'joined' ? `joined:${encodeURIComponent(p.join ?? ' ')}` : p.segmentation;
}
