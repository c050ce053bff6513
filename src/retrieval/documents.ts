// Turns the knowledge base into the documents both indexes are built from:
// one document per catalogue item, with fields of different weight.
import type { Knowledge } from '../knowledge/load.ts';
import { KnowledgeIndex } from '../knowledge/check.ts';

export interface ItemDoc {
  /** Position in knowledge.items; also the vector label. */
  id: number;
  name: string;
  /** Aliases and colloquial synonyms pointing at the item. */
  alias: string;
  department: string;
  /** Guide fields and guide prose. */
  body: string;
}

export function itemDocuments(k: Knowledge): ItemDoc[] {
  const idx = new KnowledgeIndex(k);
  const synonymsByItem = new Map<string, string[]>();
  for (const s of k.synonyms) {
    const item = idx.item(s.事项);
    if (!item) continue;
    synonymsByItem.set(item.name, [...(synonymsByItem.get(item.name) ?? []), s.说法]);
  }
  const guidesByItem = new Map<string, string[]>();
  for (const g of k.guides) {
    const item = idx.item(g.item);
    if (item) guidesByItem.set(item.name, [...(guidesByItem.get(item.name) ?? []), g.body]);
  }
  return k.items.map((item, id) => {
    const dept = idx.department(item.department);
    return {
      id,
      name: item.name,
      alias: [...item.aliases, ...(synonymsByItem.get(item.name) ?? [])].join(' '),
      department: [item.department, ...(dept?.aliases ?? [])].join(' '),
      body: [
        item.type,
        item.basis ?? '',
        ...item.conditions,
        ...item.materials,
        ...item.notes,
        ...(guidesByItem.get(item.name) ?? []),
      ].join(' '),
    };
  });
}

/** The short text embedded for the vector index (names carry the meaning). */
export const vectorText = (d: ItemDoc): string => `${d.name} ${d.alias} ${d.department}`;
