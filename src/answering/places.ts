// Places in China outside this county (provinces, prefecture cities, counties
// and districts), read from the china-area-data gazetteer: a question about
// another place is told that this knowledge has no list there, instead of
// being answered with this county's lists.
import { createRequire } from 'node:module';
import type { Regions } from '../knowledge/schemas.ts';
import { Dictionary } from '../text/dictionary.ts';
import { compact } from '../text/normalize.ts';

/** code → { child code → name }, with '86' holding the provinces. */
type AreaData = Record<string, Record<string, string>>;

/**
 * Bare prefecture names that are also everyday words or parts of them
 * (白银 silver, 中山路, 黄山 the mountain, 北海 the park, 长治久安, 四平八稳 …):
 * these are recognised only with their suffix (白银市).
 */
const COMMON_WORDS = new Set(['中山', '白银', '黄山', '北海', '山南', '安康', '长治', '普洱', '大同', '四平', '海东', '三沙', '吉安', '金昌', '东方', '龙岩', '玉溪', '丽江', '通化', '鹤岗']);
/** District names that are generic (城区 of many cities) or not places (市辖区). */
const GENERIC = new Set(['市辖区', '城区', '郊区', '矿区', '新区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划']);

/** A prefecture's name without its suffix: 株洲市 → 株洲, 湘西土家族苗族自治州 → 湘西, 大兴安岭地区 → 大兴安岭. */
function bare(name: string): string {
  const ethnic = /^(.{2,4}?)(?:[\u4e00-\u9fff]{1,4}?族)+自治州$/.exec(name);
  if (ethnic) return ethnic[1]!;
  return name.replace(/(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|地区|盟|省|市)$/, '');
}

let areas: AreaData | null = null;
const areaData = (): AreaData => (areas ??= createRequire(import.meta.url)('china-area-data/data.json') as AreaData);

export class Places {
  private readonly dict = new Dictionary<string>();
  /** The county's prefecture (甲市) and its bare name, and the county's own names. */
  private readonly prefecture: { full: string; bare: string } | null;
  private readonly countyNames: string[];

  constructor(regions: Regions) {
    const county = regions.county as Regions['county'] & { prefecture?: string; province?: string };
    this.prefecture = county.prefecture ? { full: compact(county.prefecture), bare: compact(bare(county.prefecture)) } : null;
    this.countyNames = [county.name, ...county.aliases, ...regions.towns.flatMap((t) => [t.name, ...t.aliases])].map(compact).filter((n) => n.length >= 2);
    const own = [county.name, ...county.aliases, county.prefecture, county.province, ...regions.towns.flatMap((t) => [t.name, ...t.aliases]), ...county.other_places.flatMap((p) => [p.name, ...p.aliases])]
      .filter((x): x is string => !!x)
      .map(compact);
    // Own names (the county, its city and province) are never another place.
    const isOwn = (key: string): boolean => own.some((o) => o === key || o.includes(key) || (key.includes(o) && bare(key) === bare(o)));
    const add = (key: string, full: string): void => {
      const k = compact(key);
      if (k.length >= 2 && !GENERIC.has(k) && !isOwn(k)) this.dict.add(k, full);
    };
    // Own names go in first, as themselves with no place: they take their characters (湖南平江 is 湖南, not 南平).
    for (const o of own) this.dict.add(o, '');
    for (const o of own) this.dict.add(o.replace(/(省|市|县|区)$/, ''), '');
    const data = areaData();
    const provinces = Object.entries(data['86'] ?? {});
    // Provinces first, then cities, then counties: at equal length the earlier wins (湖南平江 is 湖南, not 南平).
    for (const [, name] of provinces) {
      add(name, name);
      add(bare(name), name);
    }
    const cities: [string, string][] = provinces.flatMap(([code]) => Object.entries(data[code] ?? {}));
    for (const [, name] of cities) {
      if (GENERIC.has(name)) continue;
      add(name, name);
      const b = bare(name);
      if (!COMMON_WORDS.has(b)) add(b, name);
    }
    for (const [code] of cities) {
      for (const [, name] of Object.entries(data[code] ?? {})) {
        if (!GENERIC.has(name) && name.length >= 3) add(name, name);
      }
    }
    // Municipalities' districts sit one level down (北京市 → 市辖区 → 东城区): covered by the loop above.
    this.dict.finish();
  }

  /**
   * The first place in the compact text outside this county (its full name), or null. `taken`: spans of the
   * text that are the knowledge's own words (an item name holding 东方 or 北海 is not a place).
   */
  outside(text: string, taken: [number, number][] = []): string | null {
    const c = compact(text);
    // Being in the county's city (「我在甲市开店」) is not being in the county: its lists are not that city's.
    // Its departments (甲市应急管理局) and rules are still the county's own, and so is 甲市某县.
    if (this.prefecture && !this.countyNames.some((n) => c.includes(n))) {
      const { full, bare: b } = this.prefecture;
      const at = new RegExp(`(在|去|到|住|是)(${full}|${b})(?!.{0,8}(局|委|厅|部门|政府|中心|规定|政策|条例|办法|标准))`).exec(c);
      if (at) return this.prefecture.full;
    }
    const inWord = (start: number, end: number) => taken.some(([s, e]) => start < e && s < end);
    const hits = this.dict.find(compact(text)).filter((h) => h.value && !inWord(h.start, h.start + h.key.length));
    if (!hits.length) return null;
    return hits.sort((a, b) => a.start - b.start)[0]!.value;
  }
}
