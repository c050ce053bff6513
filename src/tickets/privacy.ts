// Personal data at rest in tickets: ID-card and bank-card numbers typed into
// free text (relayed messages, clerks' replies and notes, 已备材料) are masked
// before they are stored in events or queued in the outbox. Phones are kept:
// the clerk calls the requester on them, and group posts mask them anyway.
import { maskBankCard, maskIdCard, scanPersonalData } from '../privacy/pii.ts';

const ASCII = /^[\x20-\x7e]+$/;

export function maskAtRest(text: string): string;
export function maskAtRest(text: string | null): string | null;
export function maskAtRest(text: string | null): string | null {
  if (!text) return text;
  const hits = scanPersonalData(text).filter((m) => m.kind === 'id_card' || m.kind === 'bank_card');
  if (hits.length === 0) return text;
  let out = '';
  let at = 0;
  for (const m of hits) {
    if (m.index < at) continue;
    // Written in Chinese numerals or other forms: hide it whole.
    const masked = !ASCII.test(m.value) ? '*'.repeat(m.value.length) : m.kind === 'id_card' ? maskIdCard(m.value) : maskBankCard(m.value);
    out += text.slice(at, m.index) + masked;
    at = m.index + m.value.length;
  }
  return out + text.slice(at);
}
