// The ticket desk of the Wechaty bot: the requester's private dialog, chat
// commands, relaying between requester and clerk, ratings and SLA reminders.
// Every ticket change goes through the ticket service (service.ts), which
// words the notifications and decides who is told; the desk only turns chat
// text into service calls and the service's messages into replies.
import pino, { type Logger } from 'pino';
import type { DeskContext, IncomingMessage, OutgoingReply, ProxyRequest, TicketDesk } from '../core/desk.ts';
import type { Config } from '../config/env.ts';
import type { Catalogue } from '../knowledge/catalogue.ts';
import { maskPersonalData } from '../privacy/pii.ts';
import { addressKey, type Address } from '../core/messages.ts';
import type { OutboxEntry } from '../notify/outbox.ts';
import type { Store } from '../store/index.ts';
import { FIELD_LABELS, markDone, missingFields, parseDialogState, startDialog, stepDialog, type DialogEnv, type DialogState } from './dialog.ts';
import { briefAnswer, detailText, GREETING, handoffNote, handoffText, myTicketsText, openListText } from './messages.ts';
import { isOpen, type Actor } from './model.ts';
import { createRouting, type Routing, type RoutingConfig } from './routing.ts';
import { createTicketService, type ServiceActor, type TicketService } from './service.ts';
import { ACTION_BY_VERB, ACTIONS } from './actions.ts';

export interface TicketDeskDeps {
  store: Store;
  catalogue: Catalogue;
  config: Pick<Config, 'staffIds' | 'staffRooms' | 'slaUnclaimedHours'> & Partial<Pick<Config, 'acceptFriends' | 'botName'>> & Pick<RoutingConfig, 'supervisor'>;
  /** Staff routing; default: built from config. */
  routing?: Routing;
  /** The ticket service; default: one that returns its messages (the desk's caller sends them). */
  service?: TicketService;
  clock?: () => Date;
  logger?: Logger;
  /** Canonical town for free text (dialog step 镇); default: catalogue.town(text / text+镇 / +街道 / +乡). */
  resolveTown?: (text: string) => string | null;
  /** Catalogue items for free text (dialog step 事项); default: exact catalogue name. */
  resolveItems?: (text: string) => string[];
  /** A dialog untouched for this long is forgotten (default 72 h). */
  dialogTtlMs?: number;
  /** A group request waits this long for the private chat (default 7 days). */
  pendingTtlMs?: number;
  /**
   * Closed tickets keep their personal fields this many days, then tick()
   * removes them (default 180; 0 keeps them). NOTE for src/config: a
   * TICKET_RETENTION_DAYS setting would be passed here.
   */
  closedRetentionDays?: number;
  /**
   * tick() queues its SLA reminders in the outbox itself, in the transaction of
   * each reminder, and returns none (for an app that delivers through the
   * outbox: nothing is lost between the reminder's commit and its queueing).
   */
  tickQueues?: boolean;
}

export type TicketDeskWithStore = TicketDesk & { readonly store: Store };

/** The chat verbs of the staff actions (接单, 转派 …), from the action table. */
const STAFF_VERBS = Object.values(ACTIONS)
  .filter((a) => a.role === 'staff')
  .map((a) => a.verb);
type TicketCommand = { name: string; ref: string; arg: string };
type StaffCommand = { name: '待办' } | TicketCommand;

const REF = String.raw`((?:#|＃)?[0-9０-９]{1,9}|DB-\d{8}-\d{4,})`;
const COMMAND_RE = new RegExp(String.raw`^(查|${STAFF_VERBS.join('|')})\s*${REF}(?=$|[\s，,：:])[\s，,：:]*([\s\S]*)$`, 'i');

/** Staff command in a message, or null. Needs a ticket number except 待办. */
export function parseStaffCommand(text: string): StaffCommand | null {
  const t = text.trim();
  if (/^(待办|待办单|待办列表)$/.test(t)) return { name: '待办' };
  const m = COMMAND_RE.exec(t);
  if (!m) return null;
  return { name: m[1]!, ref: m[2]!, arg: m[3]!.trim() };
}

const MY_TICKETS = /^(我的代办|我的代办单|进度|查进度|查询进度|办理进度)$/;
const CANCEL_OWN = new RegExp(String.raw`^(撤销|撤回|撤销代办)\s*${REF}$`, 'i');
/** 「5」「满意」「非常不满意，态度差」「评价 12 满意」「#12 4分」: 好差评 words or 1-5, optionally naming the ticket. */
const RATING =
  /^(?:评价|评分|打分)?\s*(?:[#＃]?(\d{1,9})\s*(?:号单?)?[\s,，:：]+)?(?:(非常不满意|非常满意|基本满意|不满意|满意)|([1-5１-５])\s*(?:分|星)?)(?:\s*[，,。.!！:：\s]\s*([\s\S]*))?$/;
const RATING_WORDS: Record<string, number> = { 非常满意: 5, 满意: 4, 基本满意: 3, 不满意: 2, 非常不满意: 1 };
const CONFIRM_AGAIN = /^(确认|确定|提交)$/;
const NEW_REQUEST = /^(代办|帮我办|帮我代办|找人帮我办|能帮我办吗)/;

/** Said when a clerk types a ticket command in a business owners' group. */
const STAFF_PLACE_ONLY = '代办指令请在代办员工作群或与我的私聊里使用（群里有申请人以外的人，不能显示代办单详情）。';

export function createTicketDesk(deps: TicketDeskDeps): TicketDeskWithStore {
  const { store, catalogue, config } = deps;
  const clock = deps.clock ?? (() => new Date());
  const log = deps.logger ?? pino({ level: 'silent' });
  const dialogTtl = deps.dialogTtlMs ?? 72 * 3600_000;
  const pendingTtl = deps.pendingTtlMs ?? 7 * 86_400_000;

  const resolveTown =
    deps.resolveTown ??
    ((text: string) => {
      const t = text.trim();
      for (const name of [t, `${t}镇`, `${t}街道`, `${t}乡`]) if (catalogue.town(name)) return catalogue.town(name)!.name;
      return null;
    });
  const resolveItems = deps.resolveItems ?? ((text: string) => (catalogue.item(text.trim()) ? [catalogue.item(text.trim())!.name] : []));
  const env: DialogEnv = { resolveTown, resolveItems, brief: (text, d) => briefAnswer(catalogue, d, text) };

  const routing = deps.routing ?? createRouting(config);
  const service = deps.service ?? createTicketService({ catalogue, routing, clock, logger: log, enqueue: false });
  /** The Wechaty address of the chat a message came from. */
  const channelOf = (msg: IncomingMessage): string => msg.channel ?? 'wechaty';
  const chatOf = (msg: IncomingMessage): Address => ({ channel: channelOf(msg), kind: msg.chatType === 'group' ? 'group' : 'direct', id: msg.chatId });
  const personOf = (id: string, channel = 'wechaty'): Address => ({ channel, kind: 'direct', id });
  const senderOf = (msg: IncomingMessage): Address => personOf(msg.senderId, channelOf(msg));
  const actorOf = (msg: IncomingMessage): ServiceActor => ({ id: msg.senderId, name: msg.senderName, address: senderOf(msg), via: chatOf(msg) });
  /** The service's messages as the desk's replies, each with its channel. */
  const replies = (messages: OutboxEntry[]): OutgoingReply[] =>
    messages.map(({ message: m }) => ({
        channel: m.to.channel,
        chatId: m.to.id,
        chatType: m.to.kind === 'group' ? ('group' as const) : ('private' as const),
        text: m.text,
        ...(m.mention ? { mention: m.mention } : {}),
        // The whole addressed message: the staff card's buttons and the kf handoff survive.
        message: m,
      }));
  /** Is the chat a configured staff group (a bare Wechaty room id, or an address key such as wecom-bot:group:…)? */
  const isStaffGroup = (msg: IncomingMessage): boolean => {
    const chat = chatOf(msg);
    return config.staffRooms.some((r) => r.roomId === msg.chatId || r.roomId === addressKey(chat)) || routing.staffGroupTown(chat) !== undefined;
  };
  const reply = (msg: IncomingMessage, text: string): OutgoingReply => ({
    chatId: msg.chatId,
    chatType: msg.chatType,
    // Never let personal data out into a group, whatever the text.
    text: msg.chatType === 'group' ? maskPersonalData(text) : text,
    ...(msg.chatType === 'group' ? { mention: { id: msg.senderId, name: msg.senderName } } : {}),
  });

  /** The person's dialog on their channel (the same id on another channel is another person). */
  async function activeDialog(requesterId: string, now: Date, channel = 'wechaty'): Promise<DialogState | null> {
    const row = await store.dialogs.get(requesterId, channel);
    if (!row) return null;
    if (now.getTime() - row.updatedAt.getTime() > dialogTtl) return null;
    return parseDialogState(row.state);
  }

  async function beginDialog(
    requester: { id: string; name: string; channel?: string },
    key: string,
    req: { items: string[]; town: string | null; scenario?: string | null; fromChat?: string | null },
  ): Promise<string> {
    const now = clock();
    const { state, text } = startDialog({
      key,
      requesterId: requester.id,
      requesterName: requester.name,
      ...(requester.channel ? { channel: requester.channel } : {}),
      items: req.items,
      town: req.town,
      scenario: req.scenario ?? null,
      fromChat: req.fromChat ?? null,
      now,
    });
    await store.dialogs.save(requester.id, state, now, requester.channel ?? 'wechaty');
    log.info({ event: 'dialog_started', requester: requester.id, items: req.items, town: req.town }, 'proxy dialog started');
    return text;
  }

  // ---- requester side --------------------------------------------------------

  /** 确认, or 「交给办事员」 (handoff): the ticket from what was filled so far. */
  async function confirm(state: DialogState, handoff = false): Promise<OutgoingReply[]> {
    const f = state.fields;
    const missing = handoff ? missingFields(state).map((k) => FIELD_LABELS[k]) : [];
    const note = missing.length ? handoffNote(missing) : null;
    const items = state.items.map((name) => ({ name, promisedLimit: catalogue.item(name)?.promised_limit ?? null }));
    const requester = personOf(state.requesterId, state.channel);
    // The ticket, its notices and the finished dialog commit together.
    const r = await store.transaction(async (tx) => {
      const created = await service.create(
        tx,
        {
          requesterId: state.requesterId,
          requester,
          requesterName: state.requesterName,
          companyName: f.company ?? (handoff ? '（待补全）' : ''),
          creditCode: f.creditCode ?? null,
          contactName: f.contact ?? (handoff ? state.requesterName : ''),
          phone: f.phone ?? '',
          preparedMaterials: note ? [f.materials, note].filter(Boolean).join(' ') : (f.materials ?? null),
          town: state.town,
          scenario: state.scenario,
          fromChat: state.fromChat,
          dialogKey: state.key,
        },
        items,
        { id: state.requesterId, name: state.requesterName, address: requester },
      );
      await tx.dialogs.save(state.requesterId, markDone(state, created.ticket.id), clock(), requester.channel);
      return created;
    });
    if (!r.created) return [{ channel: requester.channel, chatId: state.requesterId, chatType: 'private', text: r.reply }];
    if (!handoff) return replies(r.messages);
    log.info({ event: 'dialog_handed_off', requester: state.requesterId, ticket: r.ticket.number, missing }, 'unfinished dialog handed to a clerk');
    return [
      ...replies(r.messages),
      { channel: requester.channel, chatId: state.requesterId, chatType: 'private', text: handoffText(r.ticket.id, missing) },
    ];
  }

  async function dialogStep(msg: IncomingMessage, state: DialogState): Promise<OutgoingReply[]> {
    const outcome = stepDialog(state, msg.text, env);
    if (outcome.kind === 'cancelled') {
      await store.dialogs.clear(msg.senderId, channelOf(msg));
      log.info({ event: 'dialog_cancelled', requester: msg.senderId, step: state.step }, 'proxy dialog cancelled');
      return [reply(msg, outcome.text)];
    }
    if (outcome.kind === 'confirm') return confirm(outcome.state);
    if (outcome.kind === 'handoff') return confirm(outcome.state, true);
    await store.dialogs.save(msg.senderId, outcome.state, undefined, channelOf(msg));
    return [reply(msg, outcome.text)];
  }

  /** Rates a NAMED ticket: the one given, or the only finished one; asks which when there are several. */
  async function rate(msg: IncomingMessage, score: number, comment: string | null, ref: number | null): Promise<OutgoingReply[] | null> {
    const done = (await store.tickets.listByRequester(senderOf(msg))).filter((t) => t.status === 'done');
    if (ref === null && done.length === 0) return null;
    if (ref === null && done.length > 1) {
      const ids = done.map((t) => t.id).sort((a, b) => a - b).map((id) => `#${id}`).join('、');
      return [reply(msg, `您有 ${done.length} 张代办单待评价（${ids}），请写明单号，例如「评价 ${done[0]!.id} 满意」。`)];
    }
    const r = await service.rate(store, ref ?? done[0]!.id, actorOf(msg), score, comment);
    if (!r.ok) return [reply(msg, r.reason)];
    return replies(r.messages);
  }

  async function relay(msg: IncomingMessage): Promise<OutgoingReply[] | null> {
    const held = (await store.tickets.listByRequester(senderOf(msg))).filter(
      (t) => isOpen(t.status) && t.conversationHeld && t.assigneeId,
    );
    if (held.length === 0) return null;
    const lead = /^[#＃](\d{1,9})\s*/.exec(msg.text.trim());
    let ticket = lead ? held.find((t) => t.id === Number(lead[1])) : undefined;
    if (!ticket) ticket = [...held].sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime())[0]!;
    const last = (await store.tickets.events(ticket.id)).at(-1);
    // Acknowledge once per exchange, not for every message.
    const r = await service.relay(store, ticket.id, actorOf(msg), msg.text, { acknowledge: last?.kind !== 'requester_message' });
    return r.ok ? replies(r.messages) : [reply(msg, r.reason)];
  }

  // ---- staff side -------------------------------------------------------------

  async function findStaff(arg: string): Promise<Actor | string> {
    const name = arg.replace(/^[@＠]/, '').split(/[\s\u2005]/)[0]!.trim();
    if (!name) return '请写明转给谁：「转派 12 @某人」';
    if (config.staffIds.includes(name)) {
      const known = await store.staff.get(name);
      return { id: name, name: known?.name ?? name };
    }
    const found = await store.staff.findByName(name);
    if (found.length === 1) return found[0]!;
    if (found.length > 1) return `有 ${found.length} 位叫「${name}」的办事员，请用微信号转派：「转派 12 微信号」`;
    return `没找到办事员「${name}」。请对方先在员工群或私聊里给我发一条消息（比如「待办」），再转派。`;
  }

  async function staffCommand(cmd: StaffCommand, msg: IncomingMessage, ctx: DeskContext): Promise<OutgoingReply[]> {
    const now = clock();
    const masked = msg.chatType === 'group';
    if (!('ref' in cmd)) {
      const town = msg.chatType === 'group' ? ctx.town : null;
      // A town group's 待办: its own town's tickets, and the unassigned queue (towns without a group).
      const open = (await store.tickets.listOpen()).filter((t) => routing.covers(town, t.town));
      return [reply(msg, openListText(open, now, town))];
    }
    const ticket = await store.tickets.get(cmd.ref);
    if (!ticket) return [reply(msg, `没有找到代办单 ${cmd.ref}，请核对单号（可发「待办」看列表）。`)];
    if (cmd.name === '查') {
      const events = await store.tickets.events(ticket.id);
      return [reply(msg, detailText(ticket, events, { masked, internal: true }))];
    }
    const action = ACTION_BY_VERB.get(cmd.name)!;
    let assignee: Actor | undefined;
    if (action === 'transfer') {
      if (!cmd.arg) return [reply(msg, `请写明内容：「转派 ${ticket.id} @某人」`)];
      const found = await findStaff(cmd.arg);
      if (typeof found === 'string') return [reply(msg, found)];
      assignee = { ...found, address: personOf(found.id, channelOf(msg)) };
    }
    const r = await service.act(store, action, ticket.id, actorOf(msg), {
      text: action === 'transfer' ? null : cmd.arg || null,
      ...(assignee ? { assignee } : {}),
    });
    if (!r.ok) return [reply(msg, r.reason)];
    return replies(r.messages);
  }

  /** A staff-looking command from someone who is not staff. */
  async function nonStaffCommand(cmd: TicketCommand, msg: IncomingMessage): Promise<OutgoingReply[]> {
    if (cmd.name === '查') {
      const t = await store.tickets.get(cmd.ref);
      if (t && t.requester.id === msg.senderId && t.requester.channel === channelOf(msg)) {
        const events = await store.tickets.events(t.id);
        return [reply(msg, detailText(t, events, { masked: msg.chatType === 'group', internal: false }))];
      }
    }
    log.warn(
      { event: 'staff_command_refused', sender: msg.senderId, chat: msg.chatId, text: maskPersonalData(msg.text) },
      'staff command from a non-staff sender refused',
    );
    return [reply(msg, `「${cmd.name}」是服务中心办事员的指令，您不能使用。查看自己的代办请发「我的代办」。`)];
  }

  async function cancelOwn(msg: IncomingMessage, ref: string): Promise<OutgoingReply[]> {
    const r = await service.cancel(store, ref, actorOf(msg));
    return r.ok ? replies(r.messages) : [reply(msg, r.reason)];
  }

  // ---- the desk ---------------------------------------------------------------

  const desk: TicketDeskWithStore = {
    store,

    async inConversation(personId, channel) {
      if (await activeDialog(personId, clock(), channel ?? 'wechaty')) return true;
      return (await store.tickets.listByRequester(personOf(personId, channel))).some((t) => isOpen(t.status) && t.conversationHeld && !!t.assigneeId);
    },

    async handle(msg, ctx) {
      const text = msg.text.trim();
      const cmd = parseStaffCommand(text);
      if (ctx.isStaff) {
        await store.staff.touch(msg.senderId, msg.senderName, clock());
        if (cmd) {
          // Ticket details and internal notes are for staff eyes: only in private chat or a staff group.
          const staffPlace = msg.chatType === 'private' || isStaffGroup(msg);
          if (!staffPlace) return [reply(msg, STAFF_PLACE_ONLY)];
          return staffCommand(cmd, msg, ctx);
        }
      } else if (cmd && 'ref' in cmd) {
        return nonStaffCommand(cmd, msg);
      }
      if (msg.chatType !== 'private') return null;

      const cancel = CANCEL_OWN.exec(text);
      if (cancel) return cancelOwn(msg, cancel[2]!);

      const now = clock();
      const dialog = await activeDialog(msg.senderId, now, channelOf(msg));
      if (dialog && dialog.step !== 'done') {
        if (MY_TICKETS.test(text)) return desk.myTickets(msg);
        // A new request mid-dialog is the assistant's to route (startRequest restarts the dialog).
        if (NEW_REQUEST.test(text)) return null;
        return dialogStep(msg, dialog);
      }
      if (dialog?.step === 'done' && dialog.ticketId && CONFIRM_AGAIN.test(text)) {
        return [reply(msg, `代办单 #${dialog.ticketId} 已经登记好了，无需重复确认。查进度发「进度」。`)];
      }

      const rating = RATING.exec(text.replace(/滿/g, '满').replace(/評價/g, '评价'));
      if (rating) {
        const score = rating[2] ? RATING_WORDS[rating[2]]! : Number(rating[3]!.replace(/[１-５]/, (c) => String(c.charCodeAt(0) - 0xff10)));
        const r = await rate(msg, score, rating[4]?.trim() || null, rating[1] ? Number(rating[1]) : null);
        if (r) return r;
      }
      if (MY_TICKETS.test(text)) {
        const held = (await store.tickets.listByRequester(senderOf(msg))).some((t) => isOpen(t.status) && t.conversationHeld);
        if (held) return desk.myTickets(msg);
        return null;
      }
      return relay(msg);
    },

    async startRequest(msg, req) {
      if (msg.chatType === 'group') {
        await store.pending.add(
          {
            channel: channelOf(msg),
            requesterId: msg.senderId,
            requesterName: msg.senderName,
            items: req.items,
            town: req.town,
            scenario: req.scenario ?? null,
            fromChat: msg.chatId,
          },
          clock(),
        );
        log.info({ event: 'pending_request', requester: msg.senderId, chat: msg.chatId, items: req.items }, 'proxy request from a group');
        const what = req.items.length ? `（${req.items.join('、')}${req.town ? `，${req.town}` : ''}）` : '';
        return [
          reply(
            msg,
            `可以帮您代办${what}，免费。登记要填企业名称、联系电话等信息，为保护隐私请到私聊继续：加我为好友，或直接私聊我发「代办」。`,
          ),
        ];
      }
      let { items, town } = req;
      let scenario = req.scenario ?? null;
      let fromChat: string | null = null;
      const pending = await store.pending.peek(msg.senderId, pendingTtl, clock(), channelOf(msg));
      if (pending && items.length === 0) {
        items = pending.items;
        town = town ?? pending.town;
        scenario = scenario ?? pending.scenario;
        fromChat = pending.fromChat;
      }
      if (pending) await store.pending.consume(pending.id, clock());
      const text = await beginDialog({ id: msg.senderId, name: msg.senderName, channel: channelOf(msg) }, `dlg:${msg.senderId}:${msg.id}`, {
        items,
        town,
        scenario,
        fromChat,
      });
      return [reply(msg, text)];
    },

    async myTickets(msg) {
      const tickets = await store.tickets.listByRequester(senderOf(msg));
      return [reply(msg, myTicketsText(tickets))];
    },

    async onFriend(contactId, name, channel) {
      const out: OutgoingReply[] = [{ ...(channel ? { channel } : {}), chatId: contactId, chatType: 'private', text: GREETING }];
      const now = clock();
      const pending = await store.pending.peek(contactId, pendingTtl, now, channel ?? 'wechaty');
      if (pending) {
        const existing = await activeDialog(contactId, now, channel ?? 'wechaty');
        if (!existing || existing.step === 'done') {
          await store.pending.consume(pending.id, now);
          const text = await beginDialog({ id: contactId, name, ...(channel ? { channel } : {}) }, `dlg:${contactId}:pending-${pending.id}`, pending);
          out.push({ ...(channel ? { channel } : {}), chatId: contactId, chatType: 'private', text: `接着您在群里的代办请求：\n${text}` });
        }
      }
      return out;
    },

    async tick(now) {
      const keep = deps.closedRetentionDays ?? 180;
      if (keep > 0) {
        const redacted = await store.tickets.redactClosed(new Date(now.getTime() - keep * 86_400_000), now);
        if (redacted.length > 0) log.info({ event: 'tickets_redacted', tickets: redacted, retentionDays: keep }, 'personal fields of old closed tickets removed');
      }
      if (deps.tickQueues) {
        await service.sla(store, now, config.slaUnclaimedHours, { enqueue: true });
        return [];
      }
      return replies((await service.sla(store, now, config.slaUnclaimedHours)).messages);
    },

    /** Nothing to release: the store belongs to whoever opened it. */
    async close() {},
  };
  return desk;
}
