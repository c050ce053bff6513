// Sentences about an item's facts that replies (answering, tickets) share. Each
// one is built only from what the knowledge holds: a fact the county did not
// record is said to be not recorded, with where to ask, never defaulted.
import type { InactiveEntry, ListEntry } from './load.ts';
import {
  ENFORCEMENT_TYPES,
  type Centre,
  type Department,
  type DevolutionMode,
  type Item,
  type Regions,
  type Town,
} from './schemas.ts';

/** Default sentence per meaning; {镇} and {部门} are filled in. Counties may override per mode name. */
export const MODE_SENTENCES: Record<DevolutionMode, string> = {
  直接下放: '由{镇}以自己的名义办理并作出决定',
  委托: '{镇}受{部门}委托，以{部门}的名义办理',
  受理初审: '{镇}负责受理和初审，由{部门}作出决定；材料交在{镇}即可',
  法定职权: '这是法律赋予乡镇（街道）的职权，由{镇}办理',
};

const fill = (template: string, town: string, dept: string) => template.replaceAll('{镇}', town).replaceAll('{部门}', dept);

/** What the row's 下放方式 means for the applicant, in the county's own words when it defined them; null when the list does not say. */
export function modeSentence(regions: Regions, entry: ListEntry, dept: string): string | null {
  if (!entry.下放方式) return null;
  const own = regions.modes.find((m) => m.name === entry.modeName && m.say);
  return fill(own?.say ?? MODE_SENTENCES[entry.下放方式], entry.town, dept);
}

/** The mode as the reply labels it: the county's word, with the meaning when they differ (委托下放 → 委托下放，即委托). */
export function modeLabel(entry: ListEntry): string | null {
  if (!entry.下放方式) return null;
  const name = entry.modeName ?? entry.下放方式;
  return name === entry.下放方式 ? name : `${name}，即${entry.下放方式}`;
}

/** Penalties, coercive measures, inspections, levies: the town acts on its own initiative; nobody applies for them. */
export const isEnforcement = (item: Item): boolean => ENFORCEMENT_TYPES.includes(item.type);

/** Who exercises an enforcement power at the town: the row's 承办机构, the town's enforcement team, or the town. */
export function enforcer(item: Item, town: Town, entry: ListEntry | undefined): string {
  if (entry?.承办机构) return entry.承办机构;
  if (item.type === '行政处罚' || item.type === '行政强制') return town.enforcement ?? `${town.name}综合行政执法队`;
  return town.enforcement ?? town.name;
}

/** "由某镇综合行政执法队负责……" for an enforcement power at a town. */
export function enforcementLines(item: Item, town: Town, entry: ListEntry, regions: Regions, dept: string): string[] {
  const who = enforcer(item, town, entry);
  const mode = modeSentence(regions, entry, dept);
  return [
    `「${item.name}」是${item.type}事项，由${who}负责${item.type === '行政检查' ? '实施检查' : '依法实施'}，不需要群众申请办理。`,
    mode ? `（${modeLabel(entry)}：${mode}。）` : '',
    '如需反映情况或举报，可直接联系' + who + '。',
  ].filter(Boolean);
}

/** Where to ask about something the knowledge does not record. */
export function askWhere(regions: Regions, town: Town | null, department?: string): string {
  if (town?.centre.phone) return `${town.centre.name}（电话 ${town.centre.phone}）`;
  if (regions.county.hotline) return `${regions.county.hotline} 政务服务便民热线`;
  if (town) return town.centre.name;
  // A county centre with nothing recorded about it is only a name the loader filled in: ask the department instead.
  const c = regions.county.centre;
  const recorded = !!(c.address || c.phone || c.hours || c.windows?.length);
  return recorded || !department ? c.name : department;
}

/** 「收费：知识库未记录，请向…咨询」 */
export const notRecorded = (label: string, where: string): string => `${label}：知识库未记录，请向${where}咨询`;

/** The fee sentence: the recorded fee, or that it is not recorded. */
export const feeText = (item: Item, where: string): string => (item.fee ? `收费：${item.fee}` : notRecorded('收费', where));

/** Channel (网办/窗口/手机): null when nothing is recorded (the reply then does not mention it). */
export function channelText(item: Item): string | null {
  const parts = [
    item.online === undefined ? '' : item.online === '仅窗口办理' ? '需到窗口办理' : item.online,
    item.mobile === undefined ? '' : item.mobile ? '手机可办' : '',
  ].filter(Boolean);
  return parts.length ? parts.join('，') : null;
}

/** A centre's name, address, hours and phone as recorded; missing ones are said to be not recorded. */
export function centreText(c: Centre, hotline?: string): string {
  const parts = [c.address ? `${c.name}：${c.address}` : `${c.name}（具体地址知识库未记录）`];
  if (c.hours) parts.push(`办公时间：${c.hours}`);
  if (c.phone) parts.push(`电话：${c.phone}`);
  else if (hotline) parts.push(`咨询电话：${hotline} 政务服务便民热线`);
  if (!c.address || !c.hours) {
    parts.push(`${!c.address ? '地址' : ''}${!c.address && !c.hours ? '和' : ''}${!c.hours ? '办公时间' : ''}请${hotline ? `拨打 ${hotline} ` : '向当地政府'}确认。`);
  }
  return parts.join('\n');
}

/** 「地点：某镇便民服务中心·窗口，工作日…」 with only what is recorded. */
export function placeLine(c: Centre, window: string | undefined): string {
  const where = `${c.name}${window ? `·${window}` : ''}`;
  return `地点：${where}${c.hours ? `，${c.hours}` : ''}${c.address ? '' : '（地址未记录，回复「地址」查看咨询方式）'}`;
}

/** （省级审批）/（某市级审批）/'' from the department's level and the county's prefecture. */
export function levelWord(dept: Department | undefined, regions: Regions): string {
  if (dept?.level === '省级') return '（省级审批）';
  if (dept?.level === '地市级') return regions.county.prefecture ? `（${regions.county.prefecture}级审批）` : '（地市级审批）';
  return '';
}

/** The line for a row withdrawn from the town (收回) or not yet in force. */
export function inactiveLine(e: InactiveEntry, itemName: string, dept: string): string {
  if (e.state === 'pending') return `ℹ️「${itemName}」将于 ${e.生效日期} 起由${e.town}办理，在此之前请到${dept}办理。`;
  const back = e.收回后去向 ?? dept;
  return `ℹ️「${itemName}」原来下放给${e.town}，已于 ${e.收回日期} 收回，现由${back}办理。`;
}

/** The question with the county's own name (and short names) blanked out, so "某县某镇" reads as the town. */
export function stripCountyName(text: string, regions: Regions): string {
  let out = text;
  for (const n of [regions.county.name, ...regions.county.aliases].sort((a, b) => b.length - a.length)) {
    if (n) out = out.split(n).join(' ');
  }
  return out;
}

/**
 * Working windows (minutes after midnight) from a centre's hours text, e.g.
 * 「工作日 上午8:30-12:00 下午14:30-17:30」 or 「上午9:00至12:00，下午2:30—5:30」; null when none is written.
 */
export function parseWorkingHours(text: string | undefined): [number, number][] | null {
  if (!text) return null;
  const windows: [number, number][] = [];
  const re = /(上午|下午|晚上)?\s*(\d{1,2})[:：](\d{2})\s*(?:-|－|—|–|~|～|至|到)\s*(\d{1,2})[:：](\d{2})/g;
  for (const m of text.matchAll(re)) {
    const pm = m[1] === '下午' || m[1] === '晚上';
    const h = (v: string) => (pm && Number(v) < 12 ? Number(v) + 12 : Number(v));
    const start = h(m[2]!) * 60 + Number(m[3]);
    const end = h(m[4]!) * 60 + Number(m[5]);
    if (end > start && end <= 24 * 60) windows.push([start, end]);
  }
  return windows.length ? windows.sort((a, b) => a[0] - b[0]) : null;
}
