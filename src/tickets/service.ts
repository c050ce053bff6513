// Ticket actions as a service: one function per action, each returning the
// ticket, the events it recorded, the actor's reply and the messages for
// everyone else — queued in the outbox in the SAME transaction as the change.
// The chat commands, the CLI (`daiban tickets …`) and the web console all call
// these; none of them words a notification or decides who is told.
//
// Every function takes a scope: the Store (the function opens its own
// transaction) or a Tx from `store.transaction` (it joins the caller's, e.g.
// the turn pipeline's, so the turn's seen-mark commits with it).
import pino, { type Logger } from 'pino';
import type { Address } from '../core/messages.ts';
import type { Catalogue } from '../knowledge/catalogue.ts';
import type { OutboxEntry } from '../notify/outbox.ts';
import { maskPersonalData } from '../privacy/pii.ts';
import type { Repos, Store } from '../store/index.ts';
import { ACTIONS, type Action } from './actions.ts';
import { ratingText } from './messages.ts';
import { isOpen, type Actor, type Ticket, type TicketEvent, type TicketItem, type TicketRef } from './model.ts';
import { actionNotices, relayNotices, slaNotice, ticketCreated, type ServiceActor } from './notifications.ts';
import { workingDayDeadline, workingMsBetween } from './worktime.ts';
import { parseWorkingHours } from '../knowledge/facts.ts';
import { maskAtRest } from './privacy.ts';
import type { NewTicket } from './repo.ts';
import type { Routing } from './routing.ts';

export type { ServiceActor } from './notifications.ts';

export interface TicketServiceDeps {
  catalogue: Catalogue;
  routing: Routing;
  clock?: () => Date;
  logger?: Logger;
  /**
   * true (default): messages are queued in the outbox inside the transaction.
   * false: only returned. The caller must then queue them IN THE SAME
   * transaction: pass a `tx` scope and `tx.outbox.enqueue(result.messages)`
   * before it commits. With the Store as scope the change commits on its own,
   * and a crash before the caller queues the messages loses them (the defect
   * the outbox exists to fix).
   */
  enqueue?: boolean;
}

export type ServiceResult =
  | { ok: true; ticket: Ticket; events: TicketEvent[]; reply: string; messages: OutboxEntry[] }
  | { ok: false; reason: string; ticket?: Ticket };

export type CreateResult = { ok: true; ticket: Ticket; created: boolean; events: TicketEvent[]; reply: string; messages: OutboxEntry[] };

export type Scope = Store | Repos;

const isStore = (scope: Scope): scope is Store => 'transaction' in scope && typeof scope.transaction === 'function';
const within = <T>(scope: Scope, fn: (tx: Repos) => Promise<T>): Promise<T> => (isStore(scope) ? scope.transaction(fn) : fn(scope));
const alreadyText = (t: Ticket) => `代办单 #${t.id} 已经登记好了，无需重复确认。查进度发「进度」。`;

export interface ActionInput {
  /** Free text: the reply, the missing materials, the reason, the note … */
  text?: string | null;
  /** 转派: the clerk taking over. */
  assignee?: Actor;
  /** 评价: 1-5 (好差评 levels) and an optional comment. */
  rating?: { score: number; comment: string | null };
}

export interface TicketService {
  /** 确认: the ticket (idempotent on dialogKey), the requester's notice and the staff post. */
  create(scope: Scope, ticket: NewTicket & { requester: Address }, items: TicketItem[], actor: ServiceActor): Promise<CreateResult>;
  /** Any action of the table, by name (the per-action functions below call this). */
  act(scope: Scope, action: Action, ref: number | string | TicketRef, actor: ServiceActor, input?: ActionInput): Promise<ServiceResult>;
  claim(scope: Scope, ref: number | string, clerk: ServiceActor): Promise<ServiceResult>;
  transfer(scope: Scope, ref: number | string, clerk: ServiceActor, to: Actor, text?: string | null): Promise<ServiceResult>;
  start(scope: Scope, ref: number | string, clerk: ServiceActor): Promise<ServiceResult>;
  requestMaterials(scope: Scope, ref: number | string, clerk: ServiceActor, what: string): Promise<ServiceResult>;
  reply(scope: Scope, ref: number | string, clerk: ServiceActor, text: string): Promise<ServiceResult>;
  finish(scope: Scope, ref: number | string, clerk: ServiceActor, text?: string | null): Promise<ServiceResult>;
  stop(scope: Scope, ref: number | string, clerk: ServiceActor, reason: string): Promise<ServiceResult>;
  note(scope: Scope, ref: number | string, clerk: ServiceActor, text: string): Promise<ServiceResult>;
  handback(scope: Scope, ref: number | string, clerk: ServiceActor): Promise<ServiceResult>;
  /** The requester withdraws their own ticket. */
  cancel(scope: Scope, ref: number | string, requester: ServiceActor): Promise<ServiceResult>;
  /** The requester rates one NAMED ticket: 1-5 (非常不满意 … 非常满意). */
  rate(scope: Scope, ref: number | string, requester: ServiceActor, score: number, comment?: string | null): Promise<ServiceResult>;
  /** A requester's message to the clerk holding `ref`; `acknowledge` adds the "已转给办事员" reply. */
  relay(scope: Scope, ref: number | string, from: ServiceActor, text: string, opts?: { acknowledge?: boolean }): Promise<ServiceResult>;
  /**
   * SLA reminders, each once per ticket and kind: unclaimed after `slaUnclaimedHours`
   * working hours, and past the promised time. One transaction per reminder.
   */
  sla(store: Store, now: Date, slaUnclaimedHours: number, opts?: { enqueue?: boolean }): Promise<{ messages: OutboxEntry[] }>;
}

const requesterOwns = (t: Ticket, who: ServiceActor): boolean =>
  who.address ? t.requester.channel === who.address.channel && t.requester.id === who.address.id : t.requesterId === who.id;

export function createTicketService(deps: TicketServiceDeps): TicketService {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.logger ?? pino({ level: 'silent' });
  const enqueue = deps.enqueue ?? true;
  const ctx = { catalogue: deps.catalogue, routing: deps.routing };

  async function queue(tx: Repos, messages: OutboxEntry[]): Promise<void> {
    if (enqueue) await tx.outbox.enqueue(messages, clock());
  }

  const service: TicketService = {
    async create(scope, input, items, actor) {
      const run = () =>
        within(scope, async (tx): Promise<CreateResult> => {
          const stored = { ...input, preparedMaterials: maskAtRest(input.preparedMaterials) };
          const { ticket, created } = await tx.tickets.create(stored, items, { actor, text: '提交代办申请' }, { now: clock() });
          if (!created) return { ok: true, ticket, created, events: [], reply: alreadyText(ticket), messages: [] };
          const events = await tx.tickets.events(ticket.id);
          const messages = ticketCreated(ticket, ctx);
          await queue(tx, messages);
          log.info({ event: 'ticket_created', ticket: ticket.number, town: ticket.town, items: items.map((i) => i.name) }, 'ticket created');
          return { ok: true, ticket, created, events, reply: messages[0]!.message.text, messages };
        });
      if (!isStore(scope)) return run(); // the caller's transaction: a lost race rolls their turn back
      try {
        return await run();
      } catch (err) {
        // A concurrent 确认 of the same dialog committed first (PostgreSQL unique key): that ticket stands, told once.
        const winner = await scope.tickets.getByDialogKey(input.dialogKey).catch(() => undefined);
        if (winner) return { ok: true, ticket: winner, created: false, events: [], reply: alreadyText(winner), messages: [] };
        throw err;
      }
    },

    async act(scope, action, ref, actor, input = {}) {
      const spec = ACTIONS[action];
      return within(scope, async (tx): Promise<ServiceResult> => {
        const ticket = await tx.tickets.get(ref);
        const shown = typeof ref === 'object' ? ('id' in ref ? ref.id : ref.number) : ref;
        if (!ticket || (spec.role === 'requester' && !requesterOwns(ticket, actor))) {
          return {
            ok: false,
            reason: spec.role === 'requester' ? `没有找到您的代办单 ${shown}，发「我的代办」可查看。` : `没有找到代办单 ${shown}，请核对单号（可发「待办」看列表）。`,
          };
        }
        const text = maskAtRest(input.text?.trim() || null);
        if (spec.needsText && action !== 'transfer' && !text) {
          return { ok: false, reason: `请写明内容：「${spec.needsText.replace('12', String(ticket.id))}」`, ticket };
        }
        if (action === 'transfer' && !input.assignee) return { ok: false, reason: `转派需要指明办事员：「转派 ${ticket.id} @某人」`, ticket };
        if (action === 'rate') {
          const s = input.rating?.score;
          if (!s || !Number.isInteger(s) || s < 1 || s > 5) {
            return { ok: false, reason: '评价请回复 非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意，或 1-5 的数字。', ticket };
          }
        }
        const eventText =
          action === 'rate' ? `${ratingText(input.rating!.score)}${input.rating!.comment ? `：${input.rating!.comment}` : ''}` : text;
        const r = await tx.tickets.applyTransition(ticket.id, action, { ...actor, role: spec.role }, eventText, {
          now: clock(),
          ...(input.assignee ? { assignee: input.assignee } : {}),
          ...(input.rating ? { rating: input.rating } : {}),
        });
        if (!r.ok) {
          log.info({ event: 'command_refused', ticket: ticket.number, action, actor: actor.id, reason: r.reason }, 'ticket action refused');
          return { ok: false, reason: r.reason, ticket };
        }
        log.info(
          { event: 'ticket_transition', ticket: ticket.number, action, from: r.from, to: r.to, actor: actor.id, text: text ? maskPersonalData(text) : undefined },
          'ticket changed',
        );
        const notices = actionNotices(
          {
            action,
            ticket: r.ticket,
            actor,
            text,
            ...(input.assignee ? { assignee: input.assignee } : {}),
            ...(input.rating ? { rating: input.rating } : {}),
            previousAssignee: ticket.assignee,
          },
          ctx,
        );
        await queue(tx, notices.messages);
        return { ok: true, ticket: r.ticket, events: [r.event], reply: notices.reply, messages: notices.messages };
      });
    },

    claim: (s, ref, clerk) => service.act(s, 'claim', ref, clerk),
    transfer: (s, ref, clerk, to, text) => service.act(s, 'transfer', ref, clerk, { assignee: to, text: text ?? null }),
    start: (s, ref, clerk) => service.act(s, 'start', ref, clerk),
    requestMaterials: (s, ref, clerk, what) => service.act(s, 'request_materials', ref, clerk, { text: what }),
    reply: (s, ref, clerk, text) => service.act(s, 'reply', ref, clerk, { text }),
    finish: (s, ref, clerk, text) => service.act(s, 'finish', ref, clerk, { text: text ?? null }),
    stop: (s, ref, clerk, reason) => service.act(s, 'stop', ref, clerk, { text: reason }),
    note: (s, ref, clerk, text) => service.act(s, 'note', ref, clerk, { text }),
    handback: (s, ref, clerk) => service.act(s, 'handback', ref, clerk),
    cancel: (s, ref, requester) => service.act(s, 'cancel', ref, requester, { text: '申请人撤销' }),
    rate: (s, ref, requester, score, comment) => service.act(s, 'rate', ref, requester, { rating: { score, comment: comment?.trim() || null } }),

    async relay(scope, ref, from, text, opts = {}) {
      return within(scope, async (tx): Promise<ServiceResult> => {
        const ticket = await tx.tickets.get(ref);
        if (!ticket || !requesterOwns(ticket, from)) return { ok: false, reason: `没有找到您的代办单 ${ref}，发「我的代办」可查看。` };
        if (!isOpen(ticket.status) || !ticket.conversationHeld || !ticket.assignee) {
          return { ok: false, reason: `代办单 #${ticket.id} 目前没有办事员接管对话。`, ticket };
        }
        const stored = maskAtRest(text);
        const event = await tx.tickets.addEvent(ticket.id, { actor: from, kind: 'requester_message', text: stored, public: true }, clock());
        log.info({ event: 'relayed_to_clerk', ticket: ticket.number, clerk: ticket.assigneeId, text: maskPersonalData(text) }, 'requester message relayed');
        const notices = relayNotices(ticket, from, stored, opts.acknowledge ?? true);
        await queue(tx, notices.messages);
        return { ok: true, ticket, events: [event], reply: notices.reply, messages: notices.messages };
      });
    },

    async sla(store, now, slaUnclaimedHours, opts = {}) {
      // Outside a turn there is no caller's transaction to queue in: `enqueue: true` queues with each reminder.
      const queueHere = opts.enqueue ?? enqueue;
      const messages: OutboxEntry[] = [];
      const system = { id: 'system', name: '小助手' };
      const remind = (t: Ticket, kind: 'unclaimed' | 'overdue', detail: { hours?: number; days?: number }) =>
        store.transaction(async (tx) => {
          if (!(await tx.slaNotices.record(t.id, kind, now))) return;
          await tx.tickets.addEvent(t.id, { actor: system, kind: 'sla', text: kind === 'unclaimed' ? '无人接单提醒' : '超过承诺时限提醒', public: false }, now);
          const out = slaNotice(t, kind, detail, ctx);
          if (queueHere) await tx.outbox.enqueue(out, clock());
          messages.push(...out);
          log.warn({ event: `sla_${kind}`, ticket: t.number }, kind === 'unclaimed' ? 'ticket unclaimed past SLA' : 'ticket past promised time');
        });
      const catalogue = deps.catalogue;
      for (const t of await store.tickets.listOpen()) {
        // The clock runs in the handling centre's own hours, when they are recorded.
        const windows = parseWorkingHours((t.town ? catalogue.town(t.town) : undefined)?.centre.hours ?? catalogue.countyCentre().hours) ?? undefined;
        if (t.status === 'registered' && workingMsBetween(t.createdAt, now, windows) >= slaUnclaimedHours * 3600_000) {
          await remind(t, 'unclaimed', { hours: slaUnclaimedHours });
        }
        const limits = t.items.map((i) => i.promisedLimit).filter((l): l is '即办' | number => l !== null);
        if (limits.length === 0) continue;
        const days = Math.max(...limits.map((l) => (l === '即办' ? 0 : l)));
        if (now.getTime() > workingDayDeadline(t.createdAt, days, windows).getTime()) await remind(t, 'overdue', { days });
      }
      return { messages };
    },
  };
  return service;
}
