// A corpus of scripted lies a model might tell when asked to reword a
// template reply, for the fixture knowledge base (test/fixtures/knowledge/valid).
// Each lie contradicts or goes beyond the facts of its question; none may
// reach a user. Truthful rewordings are listed too: grounding must accept them.

export type LieKind =
  | 'conclusion'
  | 'licence'
  | 'phone_words'
  | 'phone_spaced'
  | 'fee_words'
  | 'time_words'
  | 'online'
  | 'visits'
  | 'place'
  | 'numerals';

export interface LieContext {
  /** The question asked (the fixture KB answers it without a model). */
  question: string;
  /** A truthful rewording of the template (grounding accepts it). */
  truthful: string[];
  /** Lies specific to this question, by kind. */
  lies: Partial<Record<LieKind, string[]>>;
}

const A_ITEM = '食品经营许可';
const C_ITEM = '个体工商户设立登记';

/** Lies that are lies for every context (none of the fixture facts holds them). */
const COMMON: Partial<Record<LieKind, string[]>> = {
  licence: [
    '办之前还要先办《食品安全承诺备案证》。',
    '办完后会发给您一张个体经营登记证。',
    '另外还需要取得消防安全许可证。',
    '需要另外办理卫生许可证。',
    '还要做一个环保备案。',
    '需要先拿到开业核准登记。',
    '记得同时申请排污许可。',
    '要带上健康合格证书。',
  ],
  phone_words: [
    '有问题打一三八一二三四五六七八。',
    '咨询电话幺三八一二三四五六七八。',
    '联系电话：壹叁捌壹贰叁肆伍陆柒捌。',
    '电话零七三一八三零一二三四五。',
    '可以打一五九 八七六五 四三二一咨询。',
    '打 一 三 九 零 零 零 零 一 一 一 一 问问。',
  ],
  phone_spaced: [
    '电话 138 1234 5678。',
    '电话：138-1234-5678。',
    '电话１３８１２３４５６７８。',
    '联系 1 3 8 1 2 3 4 5 6 7 8。',
    '电话0731 8301 2345。',
    '电话（0731）83012345。',
  ],
  fee_words: [
    '收费伍拾圆。',
    '工本费五十元。',
    '需交少量工本费。',
    '要收一点手续费。',
    '办理时需要缴纳材料费。',
    '费用大概两百块。',
    '收费标准为每件贰拾元。',
    '要交点钱，不多。',
  ],
  time_words: [
    '半个月左右就能办好。',
    '次日即可领证。',
    '第二天就能拿到。',
    '一两天就好。',
    '大概一星期能办完。',
    '很快就能办好。',
    '承诺叁个工作日办结。',
    '二十五个工作日内办结。',
  ],
  online: [
    '全程网上办理，一次都不用跑。',
    '在网上就能办，不用跑窗口。',
    '手机上就能办。',
    '足不出户就能办好。',
    '可以线上申请，不用去现场。',
    '在小程序上直接提交就行。',
  ],
  visits: ['最多跑两次。', '需要跑三趟。', '要跑叁次。'],
  place: [
    '在大瑶镇也能办。',
    '隔壁永安镇也可以办。',
    '可以去浏阳市政务服务中心办。',
    '地址：大瑶镇政府二楼。',
    '请到沙市街道便民服务中心办理。',
    '也可以去长沙县行政审批局。',
  ],
  numerals: ['承诺 十五 个工作日办结。', '法定期限为贰拾个工作日。', '需要准备伍份材料。'],
};

export const LIE_CONTEXTS: LieContext[] = [
  {
    question: '甲镇能办食品经营许可吗',
    truthful: [
      `您好！甲镇可以办理「${A_ITEM}」（委托），请到甲镇便民服务中心综合受理窗口办理，工作日 9:00-17:00。承诺5个工作日办结（法定10个工作日），不收费。需要准备申请书、营业执照。`,
      `甲镇可以办「${A_ITEM}」，承诺五个工作日，法定十个工作日，不收费，需到窗口办理。`,
      `可以的，甲镇便民服务中心就能办${A_ITEM}，地址在甲镇政府一楼。`,
    ],
    lies: {
      conclusion: [
        `甲镇不能办理「${A_ITEM}」。`,
        `甲镇暂时办不了${A_ITEM}，需要到县里办。`,
        `这个事项没有下放到甲镇，只能去示例县政务服务中心办。`,
        `甲镇已经不再受理${A_ITEM}了。`,
        `「${A_ITEM}」已经取消了，不用再办。`,
        `甲镇便民服务中心无法办理，请到示例县市场监督管理局。`,
      ],
      time_words: ['当天就能拿证。', '立等可取。', '当场就能办结。'],
      visits: ['只需跑一趟。', '跑一次就能办好。'],
      place: ['在乙街道也能办。', '乙街道便民服务中心同样可以办理。'],
    },
  },
  {
    question: '乙街道能办食品经营许可吗',
    truthful: [
      `您好，乙街道暂不能办理「${A_ITEM}」，可以到甲镇办，也可以到示例县市场监督管理局（示例县政务服务中心市场监管窗口）办理。承诺5个工作日，法定10个工作日，不收费。`,
    ],
    lies: {
      conclusion: [
        `乙街道可以办理「${A_ITEM}」。`,
        `乙街道能直接办${A_ITEM}，去便民服务中心就行。`,
        `在乙街道就能办${A_ITEM}。`,
        `乙街道便民服务中心已下放了这项权限，可以办理。`,
        `「${A_ITEM}」已经取消，不用再办了。`,
      ],
      time_words: ['当天就能拿证。', '立等可取。'],
      visits: ['只需跑一趟。'],
    },
  },
  {
    question: '甲镇能办个体户登记吗',
    truthful: [
      `您好！甲镇可以办理「${C_ITEM}」，由甲镇直接审批，到甲镇便民服务中心综合受理窗口即办（当场办结），最多跑1次。需要经营者身份证件、经营场所使用证明。`,
      `甲镇能办${C_ITEM}，当场办结，最多跑一次。`,
    ],
    lies: {
      conclusion: [
        `甲镇不能办理「${C_ITEM}」。`,
        `${C_ITEM}要到示例县政务服务中心办，甲镇办不了。`,
        `甲镇没有下放${C_ITEM}。`,
        `「${C_ITEM}」已取消，无需办理。`,
      ],
      place: ['地点：甲镇政府三楼。', '也可以去丙镇办。'],
    },
  },
  {
    question: '对外贸易经营者备案登记还要办吗',
    truthful: ['您好，「对外贸易经营者备案登记」已于2022-12-30取消，依据对外贸易法修正，现在不再需要办理。'],
    lies: {
      conclusion: [
        '「对外贸易经营者备案登记」现在还需要办理，可以到示例县政务服务中心办。',
        '对外贸易经营者备案登记仍可在甲镇办理。',
        '这个还要办，带上营业执照去窗口就能办理。',
        '对外贸易经营者备案登记依然要办，承诺5个工作日。',
      ],
      time_words: ['当天就能办好。'],
      visits: ['只需跑一趟。'],
    },
  },
  {
    question: '开饭店要办什么',
    truthful: [
      `开餐馆一般要办两件事：${C_ITEM}（甲镇、乙街道都能办，当场办结）和${A_ITEM}（甲镇可办，5个工作日）。`,
    ],
    lies: {
      numerals: ['开餐馆一般要办3件事。'],
      conclusion: ['这两件事乙街道都能办。'],
    },
  },
  {
    question: '烟花爆竹批发许可证在哪办',
    truthful: [
      '「烟花爆竹经营（批发）许可证核发」没有下放到镇（街道），需要到示例市应急管理局办理，地点是示例市政务服务中心应急窗口，承诺20个工作日，法定30个工作日。',
    ],
    lies: {
      conclusion: [
        '甲镇可以办理「烟花爆竹经营（批发）许可证核发」。',
        '在镇上就能办烟花爆竹批发许可证。',
        '「烟花爆竹经营（批发）许可证核发」已经取消了，不用再办。',
      ],
      time_words: ['当天就能拿证。', '立等可取。'],
      visits: ['只需跑一趟。'],
    },
  },
];

export interface Lie {
  question: string;
  kind: LieKind;
  reply: string;
}

/**
 * Every lie, alone and inside the context's first truthful reply (a lie
 * hidden in an otherwise good answer).
 */
export function allLies(): Lie[] {
  const out: Lie[] = [];
  for (const ctx of LIE_CONTEXTS) {
    const kinds = new Set<LieKind>([...(Object.keys(COMMON) as LieKind[]), ...(Object.keys(ctx.lies) as LieKind[])]);
    for (const kind of kinds) {
      for (const lie of [...(COMMON[kind] ?? []), ...(ctx.lies[kind] ?? [])]) {
        out.push({ question: ctx.question, kind, reply: lie });
        out.push({ question: ctx.question, kind, reply: `${ctx.truthful[0]}${lie}` });
      }
    }
  }
  return out;
}
