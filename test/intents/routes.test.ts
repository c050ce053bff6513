// The route table, for every conversation mode × every phrase of the lexicon
// (and a group chat): which route handles it. A phrase added to the lexicon
// without a line here fails the completeness check at the bottom.
import { describe, expect, it } from 'vitest';
import { MODES, type Mode } from '../../src/conversation/record.ts';
import { VOCABULARY } from '../../src/intents/lexicon.ts';
import { pickRoute, ROUTE_NAMES, ROUTE_SPECS, type RouteFacts, type RouteName } from '../../src/intents/routes.ts';

type Where = Mode | 'group';
const WHERE: Where[] = [...MODES, 'group'];

const facts = (text: string, where: Where, over: Partial<RouteFacts> = {}): RouteFacts => ({
  text,
  mode: where === 'group' ? 'bot' : where,
  chat: where === 'group' ? 'group' : 'direct',
  staffRoomChatter: false,
  staff: false,
  unclaimedTicket: false,
  ...over,
});
const route = (text: string, where: Where, over: Partial<RouteFacts> = {}) => pickRoute(ROUTE_SPECS, facts(text, where, over)).name;

/** The expected route per place, for one vocabulary. */
type Expect = Record<Where, RouteName>;
const everywhere = (name: RouteName): Expect => ({ bot: name, dialog: name, clerk: name, awaiting_rating: name, group: name });

const EXPECTED: Record<string, { phrases: readonly string[]; expect: Expect }> = {
  cancel: {
    phrases: VOCABULARY.cancel,
    expect: { bot: 'nothing_to_cancel', dialog: 'dialog_cancel', clerk: 'nothing_to_cancel', awaiting_rating: 'nothing_to_cancel', group: 'nothing_to_cancel' },
  },
  confirm: {
    phrases: VOCABULARY.confirm,
    // In a group there is no dialog to confirm: an ordinary message for the answering core.
    expect: { bot: 'confirm_again', dialog: 'dialog_step', clerk: 'clerk_message', awaiting_rating: 'confirm_again', group: 'question' },
  },
  human: { phrases: VOCABULARY.human, expect: everywhere('human') },
  myTickets: { phrases: VOCABULARY.myTickets, expect: everywhere('my_tickets') },
  proxy: { phrases: VOCABULARY.proxy, expect: everywhere('proxy_request') },
  rating: {
    phrases: [...Object.keys(VOCABULARY.rating), '1', '3分', '5星', '满意，办得很快', '评价 12 满意', '#12 4分'],
    expect: { bot: 'rate', dialog: 'dialog_step', clerk: 'clerk_message', awaiting_rating: 'rate', group: 'rate' },
  },
  ratingEveryday: {
    // Everyday words rate only while a finished ticket waits for its rating; elsewhere they are ordinary messages.
    phrases: [...Object.keys(VOCABULARY.ratingEveryday), '还行吧', '挺好的', '一般，跑了两趟'],
    expect: { bot: 'question', dialog: 'dialog_step', clerk: 'clerk_message', awaiting_rating: 'rate', group: 'question' },
  },
  binding: { phrases: [...VOCABULARY.binding, '#绑定 永安镇', '＃綁定 永安'], expect: everywhere('binding') },
  help: { phrases: VOCABULARY.help, expect: everywhere('help') },
  greeting: {
    phrases: [...VOCABULARY.greeting, '你好啊', 'Hello'],
    // While a clerk holds the conversation, 「在吗」 is for the clerk.
    expect: { bot: 'greeting', dialog: 'greeting', clerk: 'clerk_message', awaiting_rating: 'greeting', group: 'greeting' },
  },
  thanks: {
    phrases: VOCABULARY.thanks,
    expect: { bot: 'thanks', dialog: 'dialog_step', clerk: 'clerk_message', awaiting_rating: 'thanks', group: 'thanks' },
  },
  staff: {
    phrases: ['待办', ...VOCABULARY.staff.filter((v) => v !== '待办').map((v) => `${v} 12 营业执照原件`)],
    expect: everywhere('staff_command'),
  },
  question: {
    phrases: ['营业执照要多久办好', '永安镇能办食品经营许可吗', '食品经营许可要带什么材料？', '在哪办'],
    expect: { bot: 'question', dialog: 'dialog_question', clerk: 'clerk_question', awaiting_rating: 'question', group: 'question' },
  },
  statement: {
    phrases: ['好的我明天补', '浏阳市永安镇张记餐馆', '营业执照、身份证', '13812345678'],
    expect: { bot: 'question', dialog: 'dialog_step', clerk: 'clerk_message', awaiting_rating: 'question', group: 'question' },
  },
};

describe('route table: every mode × every lexicon phrase', () => {
  for (const [vocabulary, { phrases, expect: expected }] of Object.entries(EXPECTED)) {
    for (const where of WHERE) {
      it(`${vocabulary} in ${where} → ${expected[where]}`, () => {
        // Phone numbers in a group are never answered there (privacy route).
        const cases = phrases.filter((p) => !(where === 'group' && /1\d{10}/.test(p)));
        expect(cases.map((p) => [p, route(p, where)])).toEqual(cases.map((p) => [p, expected[where]]));
      });
    }
  }

  it('covers every vocabulary of the lexicon', () => {
    for (const key of Object.keys(VOCABULARY)) expect(Object.keys(EXPECTED)).toContain(key);
  });
});

describe('route table: facts other than the text', () => {
  it('takes 帮助 in a staff room, and the item named right after 「哪一项手续」', () => {
    expect(route('帮助', 'group', { staffRoomChatter: true, staff: true })).toBe('help');
    expect(route('食品经营许可', 'bot', { awaitingItem: true })).toBe('proxy_item');
    expect(route('食品经营许可', 'awaiting_rating', { awaitingItem: true })).toBe('proxy_item');
    expect(route('食品经营许可要几天', 'bot', { awaitingItem: true })).toBe('question');
    expect(route('食品经营许可', 'bot')).toBe('question');
  });

  it('keeps quiet about staff-room chatter but takes commands there', () => {
    expect(route('今天谁值班', 'group', { staffRoomChatter: true, staff: true })).toBe('staff_chatter');
    expect(route('接单 3', 'group', { staffRoomChatter: true, staff: true })).toBe('staff_command');
  });

  it('never answers personal data in a group, whatever the mode', () => {
    expect(route('我电话13812345678', 'group')).toBe('privacy_in_group');
    expect(route('13812345678', 'dialog')).toBe('dialog_step');
  });

  it('keeps a note for the clerk on an unclaimed ticket, but still answers questions', () => {
    expect(route('好的我明天补', 'bot', { unclaimedTicket: true })).toBe('unclaimed_note');
    expect(route('营业执照要多久办好', 'bot', { unclaimedTicket: true })).toBe('question');
    expect(route('好的我明天补', 'group', { unclaimedTicket: true })).toBe('question');
  });

  it('tells the scale for an off-scale score while a rating is awaited', () => {
    expect(route('6', 'awaiting_rating')).toBe('rate');
    expect(route('6', 'bot')).toBe('question');
  });

  it('sends 「#12 …」 to that ticket’s clerk even when it reads like a question', () => {
    expect(route('#12 什么时候能好？', 'clerk')).toBe('clerk_message');
  });

  it('has one route per name, each reachable by some phrase', () => {
    expect(ROUTE_SPECS.map((r) => r.name)).toEqual([...ROUTE_NAMES]);
    expect(route('', 'bot')).toBe('help_empty');
    expect(route('撤销 12', 'bot')).toBe('cancel_own');
  });
});
