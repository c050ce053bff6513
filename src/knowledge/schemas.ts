// Zod schemas for every file under knowledge/. The loader parses raw YAML/CSV/
// front matter into these shapes; unknown keys are errors (strict objects) so a
// maintainer's typo is reported instead of silently dropped.
import { z } from 'zod';

/** Text field; bare YAML numbers (102, 12345) are accepted as text. */
const nonEmpty = z.preprocess(
  (v) => (typeof v === 'number' ? String(v) : v),
  z.string().trim().min(1, { message: '不能为空' }),
);
const textList = z.array(nonEmpty);
/** Dates in files are written YYYY-MM-DD; YAML may hand us a Date object. */
export const isoDate = z.preprocess(
  (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v),
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { message: '日期应写成 YYYY-MM-DD，例如 2020-04-28', abort: true })
    .refine((v) => {
      const d = new Date(`${v}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v);
    }, { message: '不是存在的日期（月份 01-12，日期不超过当月天数）' }),
);

/** A time limit in working days, or 即办 (same day). */
export const timeLimit = z.union([
  z.literal('即办'),
  z.number().int().min(0).max(365),
]);
export type TimeLimit = z.infer<typeof timeLimit>;
/** 即办 counts as 0 working days when limits are compared. */
export const limitDays = (t: TimeLimit): number => (t === '即办' ? 0 : t);

export const LEVELS = ['县级', '地市级', '省级'] as const;
/**
 * Power types of a 权责清单: the ten published categories, plus 行政备案 and
 * 公共服务 that service catalogues use. Subtypes (备案, 审核转报 …) go in `subtype`.
 */
export const POWER_TYPES = [
  '行政许可',
  '行政处罚',
  '行政强制',
  '行政检查',
  '行政征收',
  '行政给付',
  '行政确认',
  '行政奖励',
  '行政裁决',
  '其他行政权力',
] as const;
export const ITEM_TYPES = [...POWER_TYPES, '行政备案', '公共服务'] as const;
export type ItemType = (typeof ITEM_TYPES)[number];
/** Powers exercised on the town's own initiative: answered by who enforces, not by how to apply. */
export const ENFORCEMENT_TYPES: readonly ItemType[] = ['行政处罚', '行政强制', '行政检查', '行政征收'];
/** Variant spellings seen in published lists (其他职权, 行政处罚类 …) → our type. */
export function normalizeItemType(raw: string): { type: ItemType; subtype?: string } | null {
  const t = raw.replace(/\s+/g, '').replace(/类$/, '').replace(/（/g, '(').replace(/）/g, ')');
  const sub = /^(.+?)\((.+)\)$/.exec(t);
  const head = sub ? sub[1]! : t;
  const subtype = sub ? sub[2] : undefined;
  const aliases: Record<string, ItemType> = { 其他职权: '其他行政权力', 其他权力: '其他行政权力', 其它行政权力: '其他行政权力', 行政检查权: '行政检查', 行政处罚权: '行政处罚' };
  const type = (ITEM_TYPES as readonly string[]).includes(head) ? (head as ItemType) : aliases[head];
  if (type) return { type, ...(subtype ? { subtype } : {}) };
  if (head === '备案') return { type: '其他行政权力', subtype: '备案' };
  return null;
}
export const ONLINE_MODES = ['全程网办', '网上申请', '仅窗口办理'] as const;

/** What a 下放方式 means for the applicant. County-specific names map onto these in regions.yaml `modes`. */
export const DEVOLUTION_MODES = ['直接下放', '委托', '受理初审', '法定职权'] as const;
export type DevolutionMode = (typeof DEVOLUTION_MODES)[number];
export const DEVOLUTION_ALIASES: Record<string, DevolutionMode> = {
  直接下放: '直接下放',
  赋权: '直接下放',
  直接赋权: '直接下放',
  赋权下放: '直接下放',
  下放: '直接下放',
  下放实质性审核权: '直接下放',
  委托: '委托',
  委托下放: '委托',
  委托行使: '委托',
  受理初审: '受理初审',
  服务前移: '受理初审',
  服务窗口前移: '受理初审',
  受理: '受理初审',
  法定职权: '法定职权',
  法定: '法定职权',
  集中行使: '直接下放',
};

export const centreSchema = z.strictObject({
  name: nonEmpty,
  /** Optional: lists do not publish it; the bot then says it is not recorded. */
  address: nonEmpty.optional(),
  hours: nonEmpty.optional(),
  phone: nonEmpty.optional(),
  windows: z
    .array(
      z.strictObject({
        no: z.number().int().positive().optional(),
        name: nonEmpty,
        serves: nonEmpty.optional(),
      }),
    )
    .optional(),
});
export type Centre = z.infer<typeof centreSchema>;

export const factSchema = z.strictObject({
  topic: nonEmpty,
  text: nonEmpty,
  keywords: textList.default([]),
  source: nonEmpty.optional(),
});
export type Fact = z.infer<typeof factSchema>;

/** A missing centre becomes `{ name }` (the town or county itself): nothing about it is invented. */
const withCentre = (fallback: (name: string) => string) => (v: unknown) =>
  v && typeof v === 'object' && !Array.isArray(v) && !('centre' in v) && typeof (v as { name?: unknown }).name === 'string'
    ? { ...v, centre: { name: fallback((v as { name: string }).name) } }
    : v;

const townObject = z.strictObject({
  name: nonEmpty,
  kind: z.enum(['镇', '街道', '乡']),
  aliases: textList.default([]),
  /** Optional in the file; absent → `{ name: town }` and replies say the address is not recorded. */
  centre: centreSchema,
  /** Who enforces penalties/inspections in the town (e.g. 某镇综合行政执法队). */
  enforcement: nonEmpty.optional(),
  facts: z.array(factSchema).default([]),
});
export const townSchema = z.preprocess(withCentre((n) => n), townObject);
export type Town = z.infer<typeof townObject>;

export const regionsSchema = z.strictObject({
  county: z.preprocess(withCentre((n) => `${n}政务服务中心`), z.strictObject({
    name: nonEmpty,
    aliases: textList.default([]),
    prefecture: nonEmpty.optional(),
    province: nonEmpty.optional(),
    hotline: nonEmpty.optional(),
    centre: centreSchema,
    facts: z.array(factSchema).default([]),
    /**
     * The county's other townships, for which this knowledge holds no list: a question naming one is told so
     * instead of being answered for the group's town. `aliases` are bare names that are safe to recognise
     * (官渡 for 官渡镇); leave out names that are also everyday words (小河, 关口).
     */
    other_places: z
      .array(z.union([nonEmpty.transform((name) => ({ name, aliases: [] as string[] })), z.strictObject({ name: nonEmpty, aliases: textList.default([]) })]))
      .default([]),
  })),
  /** The county's own 下放方式 names and what they mean; `say` overrides the sentence ({镇} {部门}). */
  modes: z
    .array(
      z.strictObject({
        name: nonEmpty,
        meaning: z.enum(DEVOLUTION_MODES),
        say: nonEmpty.optional(),
      }),
    )
    .default([]),
  towns: z.array(townSchema).min(1, { message: '至少要有一个镇或街道' }),
});
export type Regions = z.infer<typeof regionsSchema>;

export const departmentSchema = z.strictObject({
  name: nonEmpty,
  aliases: textList.default([]),
  level: z.enum(LEVELS).optional(),
  place: nonEmpty.optional(),
  phone: nonEmpty.optional(),
});
export const departmentsSchema = z.array(departmentSchema);
export type Department = z.infer<typeof departmentSchema>;

export const itemSchema = z.strictObject({
  name: nonEmpty,
  aliases: textList.default([]),
  type: z.enum(ITEM_TYPES),
  /** e.g. 备案 under 其他行政权力. */
  subtype: nonEmpty.optional(),
  /** 事项编码 / 实施编码. */
  code: nonEmpty.optional(),
  /** The 主项 this 子项 belongs to (a catalogue item name). */
  parent: nonEmpty.optional(),
  /** Written by `kb import --scaffold-items`: facts still to be completed from the guide. */
  draft: z.boolean().optional(),
  department: nonEmpty,
  basis: nonEmpty.optional(),
  conditions: textList.default([]),
  materials: textList.default([]),
  steps: textList.default([]),
  legal_limit: timeLimit.optional(),
  promised_limit: timeLimit.optional(),
  /** No default: absent → the reply says it is not recorded and where to ask. */
  fee: nonEmpty.optional(),
  visits: z.number().int().min(0).max(5).optional(),
  online: z.enum(ONLINE_MODES).optional(),
  mobile: z.boolean().optional(),
  notes: textList.default([]),
  /** Where to go when no town handles it (defaults to the department's place). */
  elsewhere: z
    .strictObject({
      department: nonEmpty.optional(),
      place: nonEmpty.optional(),
      note: nonEmpty.optional(),
    })
    .optional(),
  abolished: z
    .strictObject({
      date: isoDate,
      basis: nonEmpty,
      now: nonEmpty,
    })
    .optional(),
});
export const itemsFileSchema = z.array(itemSchema);
export type Item = z.infer<typeof itemSchema>;

/** One row of a devolved-power list (CSV). Only 事项名称 is required. */
export const LIST_COLUMNS = ['序号', '事项名称', '原实施部门', '下放方式', '批次', '窗口', '备注'] as const;
export const LIST_OPTIONAL_COLUMNS = [
  '序号',
  '原实施部门',
  '下放方式',
  '批次',
  '窗口',
  '备注',
  '事项编码',
  '主项',
  '权力类型',
  '适用乡镇',
  '承办机构',
  '决定日期',
  '生效日期',
  '收回日期',
  '收回后去向',
] as const;
const optionalText = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().trim().optional());
const optionalDate = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), isoDate.optional());
export const listRowSchema = z.strictObject({
  序号: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.coerce.number().int().positive().optional()),
  事项名称: nonEmpty,
  原实施部门: optionalText,
  /** The county's own word as written (e.g. 委托下放); its meaning is resolved with regions.yaml `modes`. */
  下放方式: optionalText,
  批次: optionalText,
  窗口: z.string().trim().default(''),
  备注: z.string().trim().default(''),
  事项编码: optionalText,
  主项: optionalText,
  权力类型: optionalText,
  适用乡镇: optionalText,
  承办机构: optionalText,
  决定日期: optionalDate,
  生效日期: optionalDate,
  收回日期: optionalDate,
  收回后去向: optionalText,
});
export type ListRow = z.infer<typeof listRowSchema>;

export const guideFrontSchema = z.strictObject({
  item: nonEmpty,
  town: nonEmpty.optional(),
  updated: isoDate,
  source: nonEmpty,
});
export type GuideFront = z.infer<typeof guideFrontSchema>;

export const scenarioSchema = z.strictObject({
  name: nonEmpty,
  aliases: textList.default([]),
  items: z.array(nonEmpty).min(1, { message: '一件事至少包含一个事项' }),
  note: nonEmpty.optional(),
});
/** An empty file (YAML null) is an empty list. */
export const scenariosSchema = z.preprocess((v) => (v === null || v === undefined ? [] : v), z.array(scenarioSchema));
export type Scenario = z.infer<typeof scenarioSchema>;

export const SYNONYM_COLUMNS = ['说法', '事项', '备注'] as const;
export const synonymRowSchema = z.strictObject({
  说法: nonEmpty,
  事项: nonEmpty,
  备注: z.string().trim().default(''),
});
export type SynonymRow = z.infer<typeof synonymRowSchema>;

/** not_held.csv: things people ask about that this knowledge has no item for, and where such things are done. */
export const NOT_HELD_COLUMNS = ['说法', '说明', '去向', '备注'] as const;
export const notHeldRowSchema = z.strictObject({
  说法: nonEmpty.refine((s) => [...s.replace(/\s/g, '')].length >= 2, { message: '说法至少两个字' }),
  /** What it is, in the reply (户口办理); the 说法 itself when empty. */
  说明: z.string().trim().default(''),
  /** Where such things are done (公安派出所户籍窗口); nothing is said when empty. */
  去向: z.string().trim().default(''),
  /** For maintainers only; never shown. */
  备注: z.string().trim().default(''),
});
export type NotHeldRow = z.infer<typeof notHeldRowSchema>;

export const STATUSES = [
  'answered',
  'not_at_town',
  'abolished',
  'scenario',
  'town_info',
  /** The item is known but the asked part (tax rate, penalty, a missing action) is not in the knowledge. */
  'partial',
  'no_match',
  'out_of_scope',
  'help',
  /** Thanks, acknowledgements and goodbyes. */
  'smalltalk',
  'proxy_request',
  'ticket_query',
] as const;
export type Status = (typeof STATUSES)[number];

export const evalCaseSchema = z.strictObject({
  q: nonEmpty,
  category: nonEmpty,
  /** Town the chat is bound to (passed in), if any. */
  bound: nonEmpty.nullable().optional(),
  /** Town the bot should resolve (null: none). */
  town: nonEmpty.nullable().default(null),
  status: z.enum(STATUSES),
  /** Expected catalogue items; any of them ranked high counts as a hit. */
  items: z.array(nonEmpty).default([]),
  /** Whether the first expected item is available at the resolved town. */
  at_town: z.boolean().optional(),
  /** Real-question sets (knowledge/eval/real/): where the question was found. */
  source: z.string().optional(),
  /** Every acceptable status (includes status). */
  statuses: z.array(z.enum(STATUSES)).optional(),
  /** The knowledge cannot answer what is asked: no item card is the right reply. */
  should_decline: z.boolean().optional(),
  /** Why it should be declined: the item, the aspect asked, or not a formality at all. */
  decline: z.enum(['item', 'aspect', 'scope']).optional(),
  /** A condition stated in the question that changes the answer (per the item's notes). */
  condition: z.string().optional(),
  note: z.string().optional(),
});
export const evalFileSchema = z.array(evalCaseSchema);
export type EvalCase = z.infer<typeof evalCaseSchema>;
