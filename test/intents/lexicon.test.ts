import { describe, expect, it } from 'vitest';
import { isTicketQuery, parseBindingCommand, parseProxyRequest } from '../../src/intents/lexicon.ts';

describe('intents', () => {
  it('parses binding commands', () => {
    expect(parseBindingCommand('#绑定 永安镇')).toEqual({ kind: 'bind', town: '永安镇' });
    expect(parseBindingCommand('＃綁定永安')).toEqual({ kind: 'bind', town: '永安' });
    expect(parseBindingCommand('#绑定')).toEqual({ kind: 'bind', town: '' });
    expect(parseBindingCommand('#解绑')).toEqual({ kind: 'unbind' });
    expect(parseBindingCommand(' #状态 ')).toEqual({ kind: 'status' });
    expect(parseBindingCommand('绑定永安镇')).toBeNull();
  });

  it('recognises ticket queries', () => {
    for (const t of ['我的代办', '进度', '我的工单', '查进度', '我的代办进度？', '進度']) expect(isTicketQuery(t), t).toBe(true);
    for (const t of ['代办收费吗', '食品经营许可多久办好', '进度条是什么']) expect(isTicketQuery(t), t).toBe(false);
  });

  it('recognises proxy requests and what they name', () => {
    expect(parseProxyRequest('代办')).toEqual({ rest: '' });
    expect(parseProxyRequest('帮我办')).toEqual({ rest: '' });
    expect(parseProxyRequest('能帮我办吗？')).toEqual({ rest: '' });
    expect(parseProxyRequest('找人帮我办')).toEqual({ rest: '' });
    expect(parseProxyRequest('幫我代辦')).toEqual({ rest: '' });
    expect(parseProxyRequest('帮我代办食品经营许可')).toEqual({ rest: '食品经营许可' });
    expect(parseProxyRequest('食品经营许可能帮我办吗')).toEqual({ rest: '食品经营许可' });
    expect(parseProxyRequest('代办营业执照')).toEqual({ rest: '营业执照' });
    expect(parseProxyRequest('代办收费吗')).toBeNull();
    expect(parseProxyRequest('永安镇能办食品经营许可吗')).toBeNull();
  });
});

describe('isHumanRequest', () => {
  it('recognises asking for a person, not questions that merely mention staff', async () => {
    const { isHumanRequest } = await import('../../src/intents/lexicon.ts');
    for (const t of ['人工', '转人工', '人工服务', '我要人工', '找工作人员', '联系一下客服', '轉人工']) expect(isHumanRequest(t), t).toBe(true);
    for (const t of ['人工智能是什么', '工作人员几点上班', '永安镇能办食品经营许可吗']) expect(isHumanRequest(t), t).toBe(false);
  });
});
