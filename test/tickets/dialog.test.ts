import { describe, expect, it } from 'vitest';
import { startDialog, stepDialog, parseDialogState, type DialogEnv, type DialogOutcome, type DialogState } from '../../src/tickets/dialog.ts';

const env: DialogEnv = {
  resolveTown: (t) => (['永安镇', '大瑶镇'].includes(t) ? t : ['永安', '大瑶'].includes(t) ? `${t}镇` : null),
  resolveItems: (t) => (t === '食品经营许可' ? [t] : []),
};
const start = (over: { items?: string[]; town?: string | null } = {}) =>
  startDialog({ key: 'k', requesterId: 'u', requesterName: '张老板', items: over.items ?? ['食品经营许可'], town: over.town === undefined ? '永安镇' : over.town, now: new Date(0) });

/** Feeds messages; returns every outcome. */
function run(state: DialogState, ...texts: string[]): DialogOutcome[] {
  const out: DialogOutcome[] = [];
  let s = state;
  for (const t of texts) {
    const o = stepDialog(s, t, env);
    out.push(o);
    if (o.kind === 'ask') s = o.state;
    else break;
  }
  return out;
}
const last = (o: DialogOutcome[]) => o.at(-1)!;
const textOf = (o: DialogOutcome) => (o.kind === 'confirm' || o.kind === 'handoff' ? '' : o.text);
const stateOf = (o: DialogOutcome) => {
  if (o.kind === 'cancelled') throw new Error('cancelled');
  return o.state;
};

describe('registration dialog never stores the wrong thing', () => {
  it('understands 修改 X at any step, not only on the summary', () => {
    const outs = run(start().state, '张记餐馆 91350100M000100Y43 张三 13812345678', '修改 手机');
    const s = stateOf(last(outs));
    expect(s.step).toBe('phone');
    expect(s.fields.materials).toBeUndefined();
    expect(textOf(last(outs))).toContain('手机');
  });

  it('does not let free text on the summary overwrite the company or contact', () => {
    const outs = run(start().state, '浏阳市某某餐饮店', '无', '张三', '13812345678', '无', '营业执照、身份证');
    const s = stateOf(last(outs));
    expect(s.step).toBe('confirm');
    expect(s.fields.company).toBe('浏阳市某某餐饮店');
    expect(s.fields.contact).toBe('张三');
    expect(textOf(last(outs))).toContain('确认');
    // A labelled field is still an edit.
    const edited = stateOf(last(run(s, '手机：13912345678')));
    expect(edited.fields.phone).toBe('13912345678');
  });

  it('reads every field of 「张记餐馆 无 张三 13812345678 无」, the second 无 as 已备材料', () => {
    const s = stateOf(last(run(start().state, '张记餐馆 无 张三 13812345678 无')));
    expect(s.step).toBe('confirm');
    expect(s.fields).toMatchObject({ company: '张记餐馆', creditCode: null, contact: '张三', phone: '13812345678', materials: null });
  });

  it('reads 「我叫王五，电话139…，店名浏阳市王五小吃店，没有执照」 field by field', () => {
    const s = stateOf(last(run(start().state, '我叫王五，电话13912345678，店名浏阳市王五小吃店，没有执照')));
    expect(s.fields).toMatchObject({ company: '浏阳市王五小吃店', creditCode: null, contact: '王五', phone: '13912345678' });
    expect(s.step).toBe('materials');
  });

  it('refuses a company name that is really several answers it could not tell apart', () => {
    for (const line of ['张记餐馆 无 张三 1381234567 无', '我在永安 开了个店 张三 1381234567']) {
      const o = last(run(start().state, line));
      const s = stateOf(o);
      expect(s.fields.company, line).toBeUndefined();
      expect(textOf(o)).toContain('企业名称');
    }
  });
});

describe('registration dialog', () => {
  it('starts with the items and the first question (企业名称)', () => {
    const { state, text } = start();
    expect(state.step).toBe('company');
    expect(text).toContain('食品经营许可');
    expect(text).toContain('企业名称');
    expect(text).toContain('取消');
  });

  it('asks one thing at a time in order and ends with a summary', () => {
    const outs = run(start().state, '浏阳市某某餐饮店', '91350100M000100Y43', '张三', '13812345678', '营业执照');
    expect(outs.map((o) => stateOf(o).step)).toEqual(['creditCode', 'contact', 'phone', 'materials', 'confirm']);
    expect(textOf(outs[0]!)).toContain('统一社会信用代码');
    expect(textOf(outs[1]!)).toContain('联系人');
    expect(textOf(outs[2]!)).toContain('手机号');
    expect(textOf(outs[3]!)).toContain('材料');
    const summary = textOf(last(outs));
    for (const s of ['浏阳市某某餐饮店', '91350100M000100Y43', '张三', '13812345678', '营业执照', '确认', '修改', '取消']) expect(summary).toContain(s);
    const done = stepDialog(stateOf(last(outs)), '确认', env);
    expect(done.kind).toBe('confirm');
    expect(done.kind === 'confirm' && done.state.fields).toEqual({
      company: '浏阳市某某餐饮店',
      creditCode: '91350100M000100Y43',
      contact: '张三',
      phone: '13812345678',
      materials: '营业执照',
    });
  });

  it('accepts 无 for the credit code and the materials', () => {
    const outs = run(start().state, '张三烧烤店', '无', '张三', '13812345678', '没有');
    const s = stateOf(last(outs));
    expect(s.step).toBe('confirm');
    expect(s.fields.creditCode).toBeNull();
    expect(s.fields.materials).toBeNull();
  });

  it('corrects an invalid credit code precisely and keeps asking', () => {
    const outs = run(start().state, '浏阳市某某餐饮店', '91350100M000100Y44');
    expect(textOf(last(outs))).toBe('统一社会信用代码校验位不对，请核对营业执照上的18位代码，没有可回复「无」。');
    expect(stateOf(last(outs)).step).toBe('creditCode');
    const short = run(stateOf(last(outs)), '91350100M00');
    expect(textOf(last(short))).toContain('应为18位，您发来的是11位');
    const charset = run(stateOf(last(outs)), '91350100M000100YI3');
    expect(textOf(last(charset))).toContain('没有 I、O、S、V、Z');
    const fixed = run(stateOf(last(outs)), '91350100m000100y43');
    expect(stateOf(last(fixed)).fields.creditCode).toBe('91350100M000100Y43');
  });

  it('corrects an invalid phone', () => {
    const outs = run(start().state, '某某店', '无', '张三', '1381234567');
    expect(textOf(last(outs))).toBe('手机号应为11位大陆手机号，例如 138xxxxxxxx，请重新回复。');
    expect(stateOf(last(outs)).step).toBe('phone');
    const fixed = run(stateOf(last(outs)), '138 1234 5678');
    expect(stateOf(last(fixed)).fields.phone).toBe('13812345678');
    expect(stateOf(last(fixed)).step).toBe('materials');
  });

  it('accepts several fields in one message', () => {
    const [o] = run(start().state, '浏阳市某某餐饮店 91350100M000100Y43 张三 13812345678');
    const s = stateOf(o!);
    expect(s.fields).toEqual({ company: '浏阳市某某餐饮店', creditCode: '91350100M000100Y43', contact: '张三', phone: '13812345678' });
    expect(s.step).toBe('materials');
    expect(textOf(o!)).toContain('已记下');
  });

  it('takes 「无」 among several fields as the credit code', () => {
    const [o] = run(start().state, '某某烟花店 无 张三 13812345678');
    expect(stateOf(o!).fields).toEqual({ company: '某某烟花店', creditCode: null, contact: '张三', phone: '13812345678' });
    expect(stateOf(o!).step).toBe('materials');
  });

  it('accepts labelled fields and commas', () => {
    const [o] = run(start().state, '企业名称：永安镇好味餐馆，联系人：李四，手机：13912345678');
    const s = stateOf(o!);
    expect(s.fields).toMatchObject({ company: '永安镇好味餐馆', contact: '李四', phone: '13912345678' });
    expect(s.step).toBe('creditCode');
  });

  it('in a multi-field message, keeps the good fields and asks again for the bad one', () => {
    const [o] = run(start().state, '浏阳市某某餐饮店 91350100M000100Y44 张三 13812345678');
    const s = stateOf(o!);
    expect(s.step).toBe('creditCode');
    expect(s.fields).toMatchObject({ company: '浏阳市某某餐饮店', contact: '张三', phone: '13812345678' });
    expect(textOf(o!)).toContain('校验位不对');
  });

  it('does not mistake a phone number for a company name', () => {
    const [o] = run(start().state, '13812345678');
    expect(textOf(o!)).toContain('请先回复企业名称');
  });

  it.each([0, 1, 2, 3, 4, 5])('取消 works after %i answers', (n) => {
    const answers = ['某某店', '无', '张三', '13812345678', '无'].slice(0, n);
    const outs = run(start().state, ...answers, '取消');
    expect(last(outs).kind).toBe('cancelled');
    expect(textOf(last(outs))).toContain('已取消');
  });

  it('修改 one field comes back to the summary; 重填 starts again', () => {
    const filled = stateOf(last(run(start().state, '某某店', '无', '张三', '13812345678', '无')));
    const asked = run(filled, '修改');
    expect(textOf(last(asked))).toContain('修改 手机');
    const outs = run(filled, '修改 手机', '13912345678');
    expect(stateOf(outs[0]!).step).toBe('phone');
    const s = stateOf(last(outs));
    expect(s.step).toBe('confirm');
    expect(s.fields.phone).toBe('13912345678');
    expect(s.fields.contact).toBe('张三');
    const again = run(filled, '重填');
    expect(stateOf(last(again)).step).toBe('company');
    expect(stateOf(last(again)).fields).toEqual({});
    const unclear = run(filled, '嗯嗯');
    expect(textOf(last(unclear))).toContain('确认');
  });

  it('asks for the items and the town when the request had none', () => {
    const { state, text } = start({ items: [], town: null });
    expect(state.step).toBe('items');
    expect(text).toContain('什么事项');
    const outs = run(state, '食品经营许可', '火星镇', '永安');
    expect(textOf(outs[1]!)).toContain('没有找到「火星镇」');
    expect(stateOf(last(outs))).toMatchObject({ items: ['食品经营许可'], town: '永安镇', step: 'company' });
  });

  it('round-trips through JSON (persisted state)', () => {
    const s = stateOf(last(run(start().state, '某某店', '无')));
    expect(parseDialogState(JSON.parse(JSON.stringify(s)))).toEqual(s);
    expect(parseDialogState({ v: 2 })).toBeNull();
  });
});

describe('registration dialog: the newcomer tester defects', () => {
  it('修改 手机 before the summary returns to the step it left; 确认 there is not a value', () => {
    const outs = run(start().state, '修改 手机', '13812345678', '确认');
    const s = stateOf(last(outs));
    expect(s.step).toBe('company');
    expect(s.fields).toEqual({ phone: '13812345678' });
    expect(textOf(last(outs))).toContain('还没填完');
  });

  it('修改 with the new value at once (「修改手机 139…」「改联系人为李四」)', () => {
    const full = stateOf(last(run(start().state, '张记餐馆 无 张三 13812345678 无')));
    expect(full.step).toBe('confirm');
    const a = stateOf(last(run(full, '修改手机 13912345678')));
    expect(a.fields.phone).toBe('13912345678');
    expect(a.step).toBe('confirm');
    const b = stateOf(last(run(full, '改联系人为李四')));
    expect(b.fields.contact).toBe('李四');
    expect(b.step).toBe('confirm');
  });

  it('never stores a command word or a question as a company or contact', () => {
    for (const word of ['确认', '好的', '人工', '修改', '重新来', '要带么子材料', '啥时候能办好', '要几天', '收费吗', '材料']) {
      const o = last(run(start().state, word));
      expect(stateOf(o).fields.company, word).toBeUndefined();
      expect(stateOf(o).step, word).toBe('company');
    }
    const atContact = stateOf(last(run(start().state, '张记餐馆', '无', '在哪里办')));
    expect(atContact.step).toBe('contact');
    expect(atContact.fields.contact).toBeUndefined();
  });

  it('answers a question briefly through the env when it can', () => {
    const briefEnv: DialogEnv = { ...env, brief: (q) => (/材料/.test(q) ? '需准备：营业执照' : null) };
    const s = stateOf(last(run(start().state, '张记餐馆')));
    const o = stepDialog(s, '要带么子材料', briefEnv);
    expect(textOf(o)).toContain('需准备：营业执照');
    expect(textOf(o)).toContain('统一社会信用代码');
    expect(stateOf(o).fields.creditCode).toBeUndefined();
  });

  it('keeps company names that contain a question-looking or label word', () => {
    for (const name of ['手机维修店', '时间咖啡店', '浏阳市永安镇张记餐馆', '好运来材料有限公司']) {
      expect(stateOf(last(run(start().state, name))).fields.company, name).toBe(name);
    }
  });

  it('splits unlabelled, labelled and glued fields', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['王记小吃店，联系人王五，手机13700001111', { company: '王记小吃店', contact: '王五', phone: '13700001111' }],
      ['王记小吃店联系人王五手机13700001111', { company: '王记小吃店', contact: '王五', phone: '13700001111' }],
      ['王记小吃店 联系人 王五 手机 13700001111', { company: '王记小吃店', contact: '王五', phone: '13700001111' }],
      ['王记小吃店 王五13700001111', { company: '王记小吃店', contact: '王五', phone: '13700001111' }],
      ['王记小吃店 统一社会信用代码91350100M000100Y43', { company: '王记小吃店', creditCode: '91350100M000100Y43' }],
    ];
    for (const [line, fields] of cases) expect(stateOf(last(run(start().state, line))).fields, line).toMatchObject(fields);
  });

  it('takes a town named at any step, but not a company name that contains one', () => {
    const s = stateOf(last(run(start().state, '张记餐馆', '大瑶镇')));
    expect(s.town).toBe('大瑶镇');
    expect(s.step).toBe('creditCode');
    expect(s.fields.company).toBe('张记餐馆');
    const fuzzy: DialogEnv = { ...env, resolveTown: (t) => (t.includes('永安') ? '永安镇' : t.includes('大瑶') ? '大瑶镇' : null) };
    const o = stepDialog(start().state, '浏阳市大瑶镇张记餐馆', fuzzy);
    expect(stateOf(o).fields.company).toBe('浏阳市大瑶镇张记餐馆');
    expect(stateOf(o).town).toBe('永安镇');
    for (const t of ['在大瑶镇', '大瑶', '大瑶镇的', '我们在大瑶镇']) expect(stateOf(stepDialog(stateOf(stepDialog(start().state, '张记餐馆', fuzzy)), t, fuzzy)).town, t).toBe('大瑶镇');
    // On the summary: the town changes and the summary is shown again; 确认 then confirms.
    const full = stateOf(last(run(start().state, '张记餐馆 无 张三 13812345678 无')));
    const moved = stepDialog(full, '大瑶镇', env);
    expect(textOf(moved)).toContain('镇（街道）：大瑶镇');
    expect(stepDialog(stateOf(moved), '确认', env).kind).toBe('confirm');
  });

  it('「交给办事员」 hands the dialog over at any step once the items are known', () => {
    expect(stepDialog(start().state, '交给办事员', env).kind).toBe('handoff');
    const none = stepDialog(start({ items: [] }).state, '交给办事员', env);
    expect(none.kind).toBe('ask');
  });
});

describe('registration dialog: no credit code, said with 代码', () => {
  it('「代码无」 among other fields fills "no code" and skips the step', () => {
    const s = stateOf(last(run(start().state, '张记餐馆，代码无，联系人张三，电话13812345678')));
    expect(s.fields).toEqual({ company: '张记餐馆', creditCode: null, contact: '张三', phone: '13812345678' });
    expect(s.step).toBe('materials');
  });

  it.each(['没有代码', '无代码', '没代码', '还没有信用代码', '代码：没有', '信用代码无', '无执照', '还没有营业执照'])('「%s」 at the code step', (word) => {
    const s = stateOf(last(run(start().state, '张记餐馆', word)));
    expect(s.fields.creditCode, word).toBeNull();
    expect(s.step, word).toBe('contact');
  });

  it('a code-like word that is not a "no" is still checked', () => {
    const o = last(run(start().state, '张记餐馆', '代码123'));
    expect(stateOf(o).step).toBe('creditCode');
  });
});
