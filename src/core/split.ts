// Splits a long reply into WeChat-sized messages at line or sentence
// boundaries, never inside a sentence unless a single sentence is too long.

/** Comfortably below what WeChat accepts in one text message. */
export const MAX_MESSAGE_CHARS = 1500;

const SENTENCE_END = /(?<=[。！？；!?;…])/u;

/** Splits `text` into chunks of at most `max` characters (code points). */
export function splitText(text: string, max = MAX_MESSAGE_CHARS): string[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (len(trimmed) <= max) return [trimmed];

  // Units: lines (keeping their newline), lines too long broken into sentences,
  // sentences too long cut hard.
  const units: string[] = [];
  const lines = trimmed.split(/(?<=\n)/);
  for (const line of lines) {
    if (len(line) <= max) {
      units.push(line);
      continue;
    }
    for (const sentence of line.split(SENTENCE_END)) {
      if (len(sentence) <= max) units.push(sentence);
      else units.push(...hardCut(sentence, max));
    }
  }

  const chunks: string[] = [];
  let current = '';
  for (const unit of units) {
    if (len(current) + len(unit) > max && current !== '') {
      chunks.push(current);
      current = '';
    }
    current += unit;
  }
  if (current !== '') chunks.push(current);
  return chunks.map((c) => c.trim()).filter((c) => c !== '');
}

const len = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

function hardCut(s: string, max: number): string[] {
  const chars = [...s];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += max) out.push(chars.slice(i, i + max).join(''));
  return out;
}
