// What a question asks, beyond which item: the action (设立/变更/注销 …), the
// aspect (materials, time, fee …), aspects the knowledge never holds (tax
// rates, penalties …), conditions the asker states, and the short turns of a
// conversation (thanks, a bare town, a follow-up).
import { compact } from '../text/normalize.ts';

/** Aspects of an item the knowledge holds (or may hold) an answer for. */
export const ASPECTS = ['can', 'where', 'materials', 'time', 'fee', 'visits', 'online', 'steps', 'basis', 'who', 'conditions'] as const;
export type Aspect = (typeof ASPECTS)[number];

/** Everyday wordings of each aspect, checked in this order (the first hit wins). */
const ASPECT_WORDS: [Aspect, RegExp][] = [
  ['online', /网上|线上|网办|在线|手机上|手机(能|可以)?办|app|小程序|湘易办|微信上|不用跑|全程网/i],
  ['visits', /本人|亲自|自己去|要去吗|要到场|到场|到现场|跑几(次|趟)|跑(一|1)?(次|趟)|代理人|委托(别人|他人|家人)|别人(代|帮)我?(办|去)|家人代/],
  ['time', /多久|几天|多长时间|好多天|多少天|时限|期限|多快|几个工作日|什么时候(能)?(办好|拿到|下来|出证)|能办好|办好要|快不快|当天|当场/],
  ['fee', /收费|费用|多少钱|要钱|钱不|要不要钱|免费|花多少|交钱|几多钱|收钱|给钱|工本费/],
  ['materials', /材料|资料|带什么|带啥|带些|准备什么|准备啥|准备些|要什么东西|要些什么|么子材料|带么子|准备么子|证件|复印件|身份证要/],
  ['steps', /流程|步骤|怎么办理|怎么办|怎么弄|怎么搞|程序|怎么申请|如何办理|如何申请|咋办|咋个办|咋弄|咋个弄|怎样办|么样办|怎么个办法/],
  ['basis', /依据|法律|法规|哪条规定|出处|政策文件|文件规定/],
  ['who', /谁(审批|批|负责|决定|来批|管|说了算)|哪个部门|哪个单位|什么部门|哪家单位/],
  ['conditions', /条件|^要求$|有(什么|哪些|啥|些什么)要求|要求(是什么|有哪些|高不高|是啥)|资格|符合|门槛/],
  ['can', /能不能办|能办|可以办|可不可以办|办得(了|成|到)?|办不办得|办不了|搞得定|办得不|行不行|要得不|能不能|可以吗/],
  ['where', /在哪|哪里办|哪块|哪儿|地址|地点|窗口|去哪|哪里|电话|上班|几点|下午|上午|今天|明天|周末|周六|周日|开门/],
];

/** The aspect a text asks about, or null. */
export function aspectOf(text: string): Aspect | null {
  const c = compact(text);
  for (const [aspect, re] of ASPECT_WORDS) if (re.test(c)) return aspect;
  return null;
}

/** Followup key (as in Composed.followups) holding the answer to an aspect. */
export const ASPECT_DETAIL: Partial<Record<Aspect, string>> = {
  materials: '材料',
  steps: '流程',
  where: '地址',
  time: '时限',
  fee: '费用',
  conditions: '条件',
  basis: '依据',
};

/** What the asker wants to know that the knowledge does not record, with a name for it. */
const UNHELD: [string, RegExp][] = [
  ['税率和税费', /税率|税点|交(多少|好多|几多|几个点|么子|什么|啥|哪些)?税|纳税|报税|个税|增值税|所得税|印花税|税收|交税|缴税|免税/],
  ['发票', /发票|开票|税票/],
  ['处罚和罚款', /罚款|罚多少|罚几|处罚标准|怎么罚|会被罚|被罚|罚不罚|处罚|罚/],
  // Whether something is lawful is a legal judgement, not a formality the lists describe.
  ['是否违法的认定', /(违法|非法|犯法|违规)(吗|不|么|行为|的吗)|是否(违法|合法|犯法|违规)|违不违法|犯不犯法|合不合法|合法吗|算(不算)?(违法|非法|犯法|违规)|被抓|判刑|坐牢/],
  ['名称（字号）的规定', /字号|起名|取名|核名|名称(有|有什么|有哪些)?(要求|规定|限制|讲究)|名字(有|有什么|有哪些)?(要求|规定|限制|讲究)|一个字|两个字|几个字|名称能|名字能|名称可以|名字可以/],
  ['用住宅作经营场所（住改商）的规定', /住改商|(住宅|住房|民房|居民楼|自住房|自己家|家里|住的房子)(可以|能|能不能|可不可以)?(办|注册|登记|做|当|作为|用作)?(个体|营业执照|执照|公司|经营场所|注册地址|办公)/],
  ['网上销售的规定', /(网上|线上|网络|在网上)(进行)?(买卖|销售|售卖|卖)(?!.{0,12}(证|许可|执照|备案|登记|手续))/],
  ['补贴标准和金额', /补(贴)?多少|补几|补贴标准|补助标准|能领多少|领多少|发多少|给多少钱|多少补贴|补贴金额|标准是多少|补贴.{0,3}多少|补助.{0,3}多少/],
  ['发放时间和标准', /发放(时间|标准|日期)|什么时候发|何时发|几号发|领几个月|能领多久|领多久|发几个月/],
  ['年检年审和有效期', /年检|年审|一年一审|有效期|几年有效|多久审一次|多长时间审|复核|(设置|使用|许可|有效)期限|能用几年|管几年|用多久/],
  ['缴费基数和费率', /缴费基数|基数|费率|缴费比例|比例|承担多少|缴多少|交多少(钱)?社保|社保(交|缴)多少|每(个)?月(交|缴)多少|缴费档次/],
  ['面积、规模和距离标准', /多少平|面积标准|面积(有)?限制|限制面积|面积.{0,3}(规定|标准|多大)|拥有多少|能有多少|最大面积|规模.{0,4}(确定|标准|多大)|距离标准|多远|间距/],
  ['注册资本（注册资金）', /注册资金|注册资本|认缴|实缴/],
  ['贷款额度和利率', /利率|利息|额度|贷多少|能贷/],
  ['烟花爆竹燃放政策', /解禁|禁放|禁燃|禁止燃放|限放|燃放(时间|区域|规定|政策)/],
  ['补缴和断缴', /补交|补缴|断缴|断交|中断缴费|断了.{0,4}(交|缴)/],
  // Comparing two things (「老年证和优待卡的区别」) is not what a card says; which licences differ is (证件有什么区别).
  ['两者的区别', /(区别|差别|不同之处)|一样吗|是一回事吗|是不是一回事/],
  ['宅基地和房屋的买卖、转让', /(购置|购买|买卖|买|卖|转让|出售)(农村)?(的)?(宅基地|农村房|房子|房屋|自建房|小产权)/],
  ['政策的最新变化和试点', /新规定|新政策|最新政策|最新规定|新政(?!务)|试点|政策(变化|调整)/],
  ['政策历史', /哪(一)?年|什么时候开始|何时开始|啥时(候)?开始|从哪年|历史|以前是|最早/],
  ['投诉处理结果', /投诉结果|投诉了没|投诉没人管/],
  ['到账时间', /到账|多久到|几天到/],
  ['计算方法', /计算公式|怎么计算|怎么算|如何计算/],
  ['适用范围（哪些情况要办）', /哪些.{0,8}(需要|要)(办|做)/],
  ['个体户转企业（个转企）的办法', /转(成|为)?(公司|企业)|个转企|转企|升级(成|为)?公司/],
  ['办理进度', /进度|审到哪|审批到哪|批下来没|办好了没|什么时候批/],
];

/** Unheld parts that are not the item department's business (taxes, invoices): no department is named for them. */
const NO_DEPARTMENT = new Set(['税率和税费', '发票']);
export const askDepartment = (unheld: string): boolean => !NO_DEPARTMENT.has(unheld);

/** The part of an item the question asks that the knowledge never records (tax rate, penalty …), or null. */
export function unheldAspect(text: string, itemName?: string, itemKeys: string[] = []): string | null {
  // The item's own name (or a clause of it) is not a part asked: 「…所列情形的处罚」 names a penalty power,
  // 「违法建筑日常巡查」 a duty; neither asks the amount or a legal judgement.
  // Hunan 「好多钱」「几多」 ask "how much" like 多少 (but 「好多人问」 means "many").
  let c = compact(text).replace(/(好多|几多)(?=钱|税|补|发|给|交|缴|$|吗|呢|啊|撒|咯)/g, '多少');
  for (const key of [itemName ?? '', ...itemKeys].map(compact).filter((k) => k.length >= 4)) c = c.split(key).join(' ');
  for (const [name, re] of UNHELD) {
    // Changing a name is a 变更, not a question about naming rules.
    if (name === '名称（字号）的规定' && /变|改|换|更/.test(c)) continue;
    // Which licences two shops need (「副食店和便利店的证件有什么区别」) is answered by the licences themselves.
    if (name === '两者的区别' && /(证件|证照|手续|哪些证|什么证).{0,3}(有)?(什么|啥|何)?(区别|差别|不同)/.test(c)) continue;
    if (re.test(c)) return name;
  }
  // 「低保多少钱」: for a benefit, "how much" is the amount paid out, which the knowledge does not hold.
  if (!itemName) return null;
  // 「社保交多少钱」: for an insurance enrolment, "how much" is the contribution, not a fee for the formality.
  if (/参保|保险/.test(itemName) && !/待遇|保险金/.test(itemName) && /多少钱|交多少|缴多少|几多钱|多少一年|一年多少|一个月多少|每月多少/.test(c)) return '缴费标准和金额';
  // 「农村养老保险怎样补贴」: a government subsidy to a contribution is not the enrolment.
  if (/参保|保险/.test(itemName) && !/补贴|补助/.test(itemName) && /补贴|补助|政府(给|补|出)/.test(c)) return '参保补贴的标准';
  // A number asked in a unit the card never states (多大年龄, 几头猪, 多少亩): only a note in that unit answers it.
  const unit = askedUnit(c);
  if (unit) return `${QUANTITY}（${unit}）`;
  // 「低保多少钱」: for a benefit, "how much" is the amount paid out (a card or certificate is not a benefit).
  if (/补贴|津贴|扶助金|救助|补助|待遇|保险金|保障金|最低生活保障|养老金/.test(itemName) && /多少钱|多少|几多钱|标准/.test(c)) return '发放标准和金额';
  return null;
}

/** Not a formality at all: reports, complaints, petitions (declined even when an item is named). */
const NOT_FORMALITY = /举报|投诉|信访|上访|违建|违章建筑|曝光/;
export const isComplaint = (text: string): boolean => NOT_FORMALITY.test(compact(text));

/** Personal documents asked about as the papers an application needs (「生二胎要结婚证吗」), not as a formality. */
const AS_MATERIAL = /(要|需要|带|提供|交|用)(不要)?(结婚证|身份证|户口本|户口簿|离婚证)|(结婚证|身份证|户口本|户口簿|离婚证)(要|需要|带)(吗|不|么)/;
/** A business licence handed to someone else is a change of its operator (变更), not a property transfer. */
const LICENCE_TRANSFER = /(营业执照|执照|个体户|个体工商户|店铺|门店).{0,6}(过户|转让|转给)|(过户|转让|转给).{0,6}(营业执照|执照|个体户)/;

/**
 * The longest of the knowledge's not-held terms (not_held.csv: 户口, 网约车 …) the question names, or null.
 * A personal document asked as an application's paper, and a licence "过户" (a change of operator), do not count.
 */
export function notCovered<T extends { 说法: string }>(text: string, terms: readonly T[]): T | null {
  const c = compact(text);
  let best: T | null = null;
  for (const t of terms) {
    const key = compact(t.说法);
    if (key && c.includes(key) && (!best || key.length > compact(best.说法).length)) best = t;
  }
  if (!best) return null;
  const key = compact(best.说法);
  if (/结婚证|离婚|户口|身份证/.test(key) && AS_MATERIAL.test(c)) return null;
  if (/过户|转让/.test(key) && LICENCE_TRANSFER.test(c)) return null;
  return best;
}


/** Business-registration actions: the verb decides the item, not the document named. */
export const ACTIONS = ['设立', '变更', '注销', '补办', '延续', '年报'] as const;
export type Action = (typeof ACTIONS)[number];

const ACTION_WORDS: [Action, RegExp][] = [
  ['年报', /年报|年度报告/],
  ['注销', /注销|注消|不做了|不干了|关门|关掉|销户|撤销执照|停业|歇业|终止(经营|营业)?|不经营了|不开了/],
  ['补办', /补办|补领|丢了|丢失|遗失|掉了|弄丢|损坏|坏了|重新打印|补发|补个|没了|不见了|找不到了/],
  ['延续', /延续|续期|到期|过期|换证|延期/],
  ['变更', /(营业执照|执照|个体户|个体工商户).{0,6}(过户|转让|转给)|名(字|称).{0,4}(改|换|变)|经营范围.{0,6}(增加|变|改|加|扩)|变更|改名|更名|改名字|换名字|换地址|改地址|变地址|换法人|改法人|改经营范围|增加经营范围|加经营范围|迁址|搬家|换老板|换负责人|加项目/],
  ['设立', /设立|新办|新开|开(一)?(个|家|间)|开店|注册|申请(一)?个|办个|想办|开业|成立/],
];

/** The action the question names (设立/变更/注销/补办/延续/年报), or null. */
export function actionOf(text: string): Action | null {
  const c = compact(text);
  for (const [action, re] of ACTION_WORDS) if (re.test(c)) return action;
  return null;
}

/** The action an item's name stands for, or null when the name has no action word. */
export function actionOfItem(name: string): Action | null {
  if (/注销/.test(name)) return '注销';
  if (/变更/.test(name)) return '变更';
  if (/设立/.test(name)) return '设立';
  if (/补(办|领|发)/.test(name)) return '补办';
  if (/延续/.test(name)) return '延续';
  if (/年(度)?报/.test(name)) return '年报';
  return null;
}

/** The asker says the business has storage (仓库) — the no-storage licence then does not apply. */
export function statesStorage(text: string): boolean {
  const c = compact(text);
  return /(有|带|设|建|租)(了|个|一个)?(仓库|仓储|储存|存储|储罐)|仓库|储存设施|仓储设施/.test(c) && !/(没有|不带|无|不设|没)(仓库|仓储|储存)/.test(c);
}

/** A truck described by plate colour or box length (蓝牌, 4.2米) but not by weight. */
export function statesLightTruck(text: string): boolean {
  const c = compact(text);
  return /蓝牌|小货车|轻型货车|轻卡|微型货车|微卡|[1-4](\.\d)?米(的)?(货车|厢式|车)/.test(c);
}

/** Short social turns: thanks, acknowledgements, goodbyes. */
const SMALL_TALK = /^(谢谢|谢谢你|谢谢您|多谢|感谢|谢了|谢啦|thanks|thankyou|好的|好|好嘞|好滴|嗯|嗯嗯|哦|噢|ok|okay|收到|明白|明白了|知道了|晓得了|懂了|行|可以|拜拜|再见|辛苦了|麻烦了|麻烦你了|好的谢谢|好的谢谢你|ok谢谢|明天再说|改天再说|等下再说|等会再说|回头再说|以后再说|下次再说|算了|不用了|没事了|没事|先这样|就这样吧|就这样)+[!！。.~～啦哈啊呀了哦咯]*$/i;

export type SmallTalk = 'thanks' | 'ok' | 'bye';

export function smallTalk(text: string): SmallTalk | null {
  const c = compact(text).replace(/[,，]/g, '');
  if (!c || !SMALL_TALK.test(c)) return null;
  if (/谢|感谢|thank|辛苦|麻烦/i.test(c)) return 'thanks';
  if (/拜拜|再见/.test(c)) return 'bye';
  return 'ok';
}

/** A question written in English (or another Latin-script language) with no Chinese in it. */
export function isForeign(text: string): boolean {
  const t = text.trim();
  return !/[\u3400-\u9fff]/.test(t) && (t.match(/[a-z]{2,}/gi)?.length ?? 0) >= 2;
}

/** Filler around a bare town reply or a follow-up (我是大瑶的, 那镇头呢, 在某镇). */
const FILLER = /我们?是|我们?在|我们?这边|我们?这里|我们?属于|属于|在|住在|的|那么?|呢|啊|呀|哦|吧|咯|嘞|撒|啵|嘛|那边|这边|镇上|街道上|那里|这里|如果|要是|换成|换到|改成|去|到|呢|\?|？|。|，|,|!|！|\s/g;

/** The text says nothing once a town name and filler are taken out (「大瑶镇」「我是大瑶的」「那镇头呢」). */
export function isOnlyFiller(rest: string): boolean {
  return compact(rest).replace(FILLER, '') === '';
}

/** What is left of a follow-up once its aspect words and filler are taken out. */
export function followupRest(text: string): string {
  let c = compact(text);
  for (const [, re] of ASPECT_WORDS) c = c.replace(new RegExp(re.source, `${re.flags}g`), '');
  return c
    .replace(FILLER, '')
    .replace(/办理|要|需要|能|可以|吗|不|么|是|这个|那个|它|这|大概|一般|请问|还|得|办|有|没有|多|少|几|啥|什么|怎么|样|可|以|了|个|次|趟|去/g, '');
}

/** Everyday phrasings rewritten to the words the catalogue uses (counted trees, split verb-object). */
const QUERY_REWRITES: [RegExp, string][] = [
  [/(几|一|两|三|四|五|十|好几|些|几十|上百)(棵|株|根|颗|蔸)/g, ''],
  [/树.{0,6}砍|砍.{0,8}(树|樟|杉|松)|伐.{0,8}(树|樟|杉|松)/g, '$&砍树'],
];

/** The query with everyday phrasings put into catalogue words (added, never replacing the question). */
export function rewriteQuery(text: string): string {
  let c = compact(text);
  for (const [re, to] of QUERY_REWRITES) c = c.replace(re, to);
  return c;
}

/** Words in an item's notes or conditions that show the knowledge does hold an "unheld" part for that item. */
const HELD_IN_NOTES: Record<string, RegExp> = {
  年检年审和有效期: /有效期|年检|年审/,
  延续: /延续|期满|到期/,
  补贴标准和金额: /\d+(\.\d+)?元/,
  发放标准和金额: /\d+(\.\d+)?元/,
  '面积、规模和距离标准': /平方米|面积|距离|米以上|米以内/,
  '注册资本（注册资金）': /注册资本|注册资金/,
};

/** The item's own note or condition that answers the part asked, when the knowledge has one. */
/** The unheld name of a number asked in a unit (see askedUnit), with the unit in brackets. */
const QUANTITY = '具体数量标准';

/** Units a card never states, with the forms a note may write them in. */
const UNITS: [RegExp, string, string][] = [
  [/岁|周岁|年龄|大年纪/, '岁', '(周岁|岁)'],
  [/平方米|平方|平米|㎡/, '平方米', '(平方米|平米|㎡)'],
  [/亩/, '亩', '亩'],
  [/头|只|羽/, '头（只）', '(头|只|羽)'],
  [/人|名/, '人', '(人|名)'],
  [/户/, '户', '户'],
  [/米|公里/, '米', '(米|公里)'],
  [/万元|万/, '万元', '万(元)?'],
];

/** The unit of a number asked (「多大年龄」「养几头猪」「多少亩」), when it is one a card never states, else null. */
export function askedUnit(c: string): string | null {
  const m = /(多少|几|多大)(个)?(周岁|岁|年龄|年纪|平方米|平方|平米|亩|头|只|羽|名|人|户|公里|米|万元|万)/.exec(c);
  if (!m) return null;
  return UNITS.find(([re]) => re.test(m[3]!))?.[1] ?? null;
}

export function heldNote(unheld: string, notes: string[], question = ''): string | null {
  // A number asked in a unit: a note or condition with a number in that unit answers it (年满60周岁, 成员5名以上).
  if (unheld.startsWith(QUANTITY)) {
    const unit = UNITS.find(([, name]) => unheld === `${QUANTITY}（${name}）`);
    return unit ? (notes.find((n) => new RegExp(`(\\d+(\\.\\d+)?|[一二两三四五六七八九十百千]+)\\s*${unit[2]}`).test(n)) ?? null) : null;
  }
  const re = HELD_IN_NOTES[unheld];
  if (!re) return null;
  // A number asked in a unit (有效期满几个工作日) must be in the note in that unit.
  const unit = /(?:几|多少)(?:个)?(工作日|天|日|年|月)/.exec(compact(question))?.[1];
  const units = unit === '天' || unit === '日' || unit === '工作日' ? '(日|天|工作日)' : unit;
  return notes.find((n) => re.test(n) && (!units || new RegExp(`\\d+(个)?${units}`).test(n))) ?? null;
}

/** The aspect's field the item must have for the knowledge to answer it, by name for the reply. */
export const ASPECT_FIELD: Partial<Record<Aspect, string>> = {
  materials: '材料清单',
  steps: '办理流程',
  conditions: '办理条件',
  time: '办理时限',
  basis: '办理依据',
};
