// Homophone matching for typos made with pinyin input methods (环平 for 环评,
// 注消 for 注销, 营运正 for 营运证): a catalogue name written with other
// characters of the same sound. pinyin-pro gives the (toneless) syllables.
import { pinyin } from 'pinyin-pro';
import { compact } from './normalize.ts';

const CJK = /[\u3400-\u9fff]/;

/** Toneless syllables of the compact text, one per character (other characters as they are). */
export function syllables(text: string): { chars: string[]; sounds: string[] } {
  const chars = [...compact(text)];
  const sounds = chars.some((c) => CJK.test(c)) ? pinyin(chars.join(''), { toneType: 'none', type: 'array' }) : chars;
  // pinyin-pro returns one entry per character for Chinese text; keep the two aligned.
  return sounds.length === chars.length ? { chars, sounds } : { chars, sounds: chars };
}

/** [sound key, item id, written key] for every name, alias and synonym worth matching by sound. */
export type HomophoneEntry = [string, number, string];

export function homophoneEntry(key: string, id: number): HomophoneEntry | null {
  const { chars, sounds } = syllables(key);
  if (chars.length < 2 || !chars.every((c) => CJK.test(c))) return null;
  return [sounds.join(' '), id, chars.join('')];
}

export class HomophoneIndex {
  private readonly bySound = new Map<string, { id: number; key: string }[]>();

  private maxLen = 0;

  constructor(entries: HomophoneEntry[]) {
    for (const [sound, id, key] of entries) {
      const list = this.bySound.get(sound);
      if (list) list.push({ id, key });
      else this.bySound.set(sound, [{ id, key }]);
      this.maxLen = Math.max(this.maxLen, [...key].length);
    }
  }

  /**
   * The question with every stretch that sounds like a catalogue name (alias,
   * synonym) but is written with some other characters replaced by that name,
   * or null when there is none. At least half of the characters must be the
   * same, so that 看书 does not become 砍树; longer names win.
   */
  correct(text: string): string | null {
    const { chars, sounds } = syllables(text);
    const hits: { start: number; key: string[] }[] = [];
    for (let start = 0; start < chars.length; start++) {
      for (let len = 2; len <= this.maxLen && start + len <= chars.length; len++) {
        const candidates = this.bySound.get(sounds.slice(start, start + len).join(' '));
        if (!candidates) continue;
        const written = chars.slice(start, start + len);
        for (const h of candidates) {
          const key = [...h.key];
          const same = key.filter((c, i) => c === written[i]).length;
          if (same < len && same * 2 >= len) hits.push({ start, key });
        }
      }
    }
    if (!hits.length) return null;
    hits.sort((a, b) => b.key.length - a.key.length || a.start - b.start);
    const out = [...chars];
    const taken = new Array<boolean>(chars.length).fill(false);
    for (const h of hits) {
      const span = Array.from({ length: h.key.length }, (_, i) => h.start + i);
      if (span.some((i) => taken[i])) continue;
      for (const i of span) {
        taken[i] = true;
        out[i] = h.key[i - h.start]!;
      }
    }
    return out.join('');
  }
}
