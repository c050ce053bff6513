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
    .regex(/^\d{4}-\d{2}-\d{2}$/, { message: '日期应写成 YYYY-MM-DD，例如 2020-04-28' })
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
export const ITEM_TYPES = [
  '行政许可',
  '行政确认',
  '行政备案',
  '行政给付',
  '行政裁决',
  '行政检查',
  '行政奖励',
  '公共服务',
  '其他行政权力',
] as const;
export const ONLINE_MODES = ['全程网办', '网上申请', '仅窗口办理'] as const;

/** How a power reached the town. Aliases used in published lists map onto these. */
export const DEVOLUTION_MODES = ['直接下放', '委托', '受理初审', '法定职权'] as const;
export type DevolutionMode = (typeof DEVOLUTION_MODES)[number];
export const DEVOLUTION_ALIASES: Record<string, DevolutionMode> = {
  直接下放: '直接下放',
  赋权: '直接下放',
  下放: '直接下放',
  委托: '委托',
  委托下放: '委托',
  受理初审: '受理初审',
  服务前移: '受理初审',
  受理: '受理初审',
  法定职权: '法定职权',
};

export const centreSchema = z.strictObject({
  name: nonEmpty,
  address: nonEmpty,
  hours: nonEmpty,
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

export const townSchema = z.strictObject({
  name: nonEmpty,
  kind: z.enum(['镇', '街道', '乡']),
  aliases: textList.default([]),
  centre: centreSchema,
  facts: z.array(factSchema).default([]),
});
export type Town = z.infer<typeof townSchema>;

export const regionsSchema = z.strictObject({
  county: z.strictObject({
    name: nonEmpty,
    aliases: textList.default([]),
    prefecture: nonEmpty,
    province: nonEmpty,
    hotline: nonEmpty.optional(),
    centre: centreSchema,
    facts: z.array(factSchema).default([]),
  }),
  towns: z.array(townSchema).min(1, { message: '至少要有一个镇或街道' }),
});
export type Regions = z.infer<typeof regionsSchema>;

export const departmentSchema = z.strictObject({
  name: nonEmpty,
  aliases: textList.default([]),
  level: z.enum(LEVELS),
  place: nonEmpty,
  phone: nonEmpty.optional(),
});
export const departmentsSchema = z.array(departmentSchema);
export type Department = z.infer<typeof departmentSchema>;

export const itemSchema = z.strictObject({
  name: nonEmpty,
  aliases: textList.default([]),
  type: z.enum(ITEM_TYPES),
  department: nonEmpty,
  basis: nonEmpty.optional(),
  conditions: textList.default([]),
  materials: textList.default([]),
  steps: textList.default([]),
  legal_limit: timeLimit.optional(),
  promised_limit: timeLimit.optional(),
  fee: nonEmpty.default('不收费'),
  visits: z.number().int().min(0).max(5).optional(),
  online: z.enum(ONLINE_MODES).default('仅窗口办理'),
  mobile: z.boolean().default(false),
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

/** One row of a town's published devolved-power list (CSV). */
export const LIST_COLUMNS = ['序号', '事项名称', '原实施部门', '下放方式', '批次', '窗口', '备注'] as const;
export const listRowSchema = z.strictObject({
  序号: z.coerce.number().int().positive(),
  事项名称: nonEmpty,
  原实施部门: nonEmpty,
  下放方式: z.string().trim().transform((v, ctx) => {
    const mode = DEVOLUTION_ALIASES[v];
    if (!mode) {
      ctx.addIssue({
        code: 'custom',
        message: `「${v}」不是认可的下放方式，应为 ${DEVOLUTION_MODES.join(' / ')}（也接受 赋权、服务前移）`,
      });
      return z.NEVER;
    }
    return mode;
  }),
  批次: nonEmpty,
  窗口: z.string().trim().default(''),
  备注: z.string().trim().default(''),
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
export const scenariosSchema = z.array(scenarioSchema);
export type Scenario = z.infer<typeof scenarioSchema>;

export const SYNONYM_COLUMNS = ['说法', '事项', '备注'] as const;
export const synonymRowSchema = z.strictObject({
  说法: nonEmpty,
  事项: nonEmpty,
  备注: z.string().trim().default(''),
});
export type SynonymRow = z.infer<typeof synonymRowSchema>;

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
