// `daiban tickets …`: the proxy-handling tickets for a clerk at a terminal,
// read from the same database as the bot. `list` masks phones and credit
// codes (it is often pasted around); `show` prints them in full (the clerk
// needs them to call the requester) — pass --mask to hide them.
// `claim`, `reply`, `finish` … are the ticket service's actions (the same as the
// chat commands): the notifications go into the outbox and the running bot
// delivers them. `outbox` shows what is waiting or could not be delivered.
import type { Command } from 'commander';
import { UserInputError } from '../../errors.ts';
import { maskCreditCode, maskMobile, maskPersonalData } from '../../privacy/pii.ts';
import type { Knowledge } from '../../knowledge/load.ts';
import type { Catalogue } from '../../knowledge/catalogue.ts';
import type { Store } from '../../store/index.ts';
import { ACTIONS, type ActionSpec } from '../../tickets/actions.ts';
import { detailText, limitText } from '../../tickets/messages.ts';
import { parseStatus, parseTicketRef, STATUS_LABELS, STATUSES, type Ticket } from '../../tickets/model.ts';
import { formatLocal } from '../../tickets/worktime.ts';
import { cliConfig } from '../config.ts';
import type { CliContext } from '../main.ts';

const maskTicket = (t: Ticket): Ticket => ({
  ...t,
  phone: maskMobile(t.phone),
  creditCode: t.creditCode ? maskCreditCode(t.creditCode) : null,
});

const asJson = (t: Ticket) => ({
  ...t,
  statusLabel: STATUS_LABELS[t.status],
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
  claimedAt: t.claimedAt?.toISOString() ?? null,
  closedAt: t.closedAt?.toISOString() ?? null,
});

async function withStore<T>(ctx: CliContext, fn: (store: Store) => Promise<T>): Promise<T> {
  const config = cliConfig(ctx.io);
  // The database layer is loaded only by commands that use it.
  const { openStore } = await import('../../store/index.ts');
  const store = await openStore({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The ticket side's lookups over loaded knowledge (centre names and addresses come only from it). */
export function catalogueOf(k: Knowledge): Catalogue {
  const items = new Map(k.items.map((i) => [i.name, i]));
  const towns = new Map(k.regions.towns.map((t) => [t.name, t]));
  return {
    item: (name) => items.get(name),
    town: (name) => towns.get(name),
    countyCentre: () => k.regions.county.centre,
    hotline: () => k.regions.county.hotline,
  };
}

/** A staff action at the terminal: through the ticket service, notifications queued in the outbox. */
function registerAction(tickets: Command, ctx: CliContext, spec: ActionSpec): void {
  const name = spec.action.replace(/_/g, '-');
  const needsText = spec.needsText !== null && spec.action !== 'transfer';
  const cmd = tickets
    .command(spec.action === 'transfer' ? `${name} <ticket> <clerk> [text...]` : `${name} <ticket> ${needsText ? '<text...>' : '[text...]'}`)
    .description(`「${spec.verb}」：与聊天里的「${spec.needsText ?? `${spec.verb} 12`}」相同；通知由运行中的机器人发出`)
    .requiredOption('--by <staffId>', '办事员的微信号（STAFF_IDS 里的，或在群里说过话的办事员）');
  cmd.action(async (...args: unknown[]) => {
    const { io } = ctx;
    const ref = args[0] as string;
    const target = spec.action === 'transfer' ? (args[1] as string) : null;
    const words = (spec.action === 'transfer' ? args[2] : args[1]) as string[] | undefined;
    const opts = (spec.action === 'transfer' ? args[3] : args[2]) as { by: string };
    const text = (words ?? []).join(' ').trim() || null;
    if (!parseTicketRef(ref)) throw new UserInputError(`单号「${ref}」格式不对，应为 12、#12 或 DB-20261127-0012`);
    const config = cliConfig(io);
    const { loadKnowledgeOrThrow } = await import('../../knowledge/load.ts');
    const { createRouting, parseStaffAddress } = await import('../../tickets/routing.ts');
    const { createTicketService } = await import('../../tickets/service.ts');
    const catalogue = catalogueOf(loadKnowledgeOrThrow(config.knowledgeDir).knowledge);
    const routing = createRouting(config);
    const service = createTicketService({ catalogue, routing });
    const result = await withStore(ctx, async (store) => {
      const who = async (id: string) => {
        const known = await store.staff.get(id);
        if (!known && !config.staffIds.includes(id)) throw new UserInputError(`「${id}」不是已登记的办事员（STAFF_IDS，或在员工群里说过话的人）。`);
        return { id, name: known?.name ?? id, address: parseStaffAddress(id, 'direct') };
      };
      const clerk = await who(opts.by);
      const assignee = target ? await who(target.replace(/^[@＠]/, '')) : undefined;
      return service.act(store, spec.action, ref, clerk, { text, ...(assignee ? { assignee } : {}) });
    });
    if (!result.ok) throw new UserInputError(result.reason);
    io.stdout(`${result.reply}\n`);
    if (result.messages.length > 0) {
      io.stdout(`已排队 ${result.messages.length} 条通知（由运行中的机器人发送）：${result.messages.map((m) => `${m.message.to.kind === 'group' ? '群' : '私聊'} ${m.message.to.id}`).join('、')}\n`);
    }
  });
}

export function registerTickets(program: Command, ctx: CliContext): Command {
  const tickets = program.command('tickets').description('代办单：列表与详情（与机器人同一个数据库）');

  tickets
    .command('list')
    .description('列出代办单（最新的在前；手机号、信用代码打码）')
    .option('--status <status>', `按状态筛选：${STATUSES.map((s) => `${s}/${STATUS_LABELS[s]}`).join('，')}；open 表示未办结的`)
    .option('--town <town>', '按镇（街道）筛选')
    .option('--json', '以 JSON 输出')
    .action(async (opts: { status?: string; town?: string; json?: boolean }) => {
      const { io } = ctx;
      let status: Ticket['status'][] | undefined;
      if (opts.status) {
        if (opts.status === 'open' || opts.status === '未办结') status = ['registered', 'claimed', 'in_progress', 'awaiting_materials'];
        else {
          const s = parseStatus(opts.status);
          if (!s) {
            throw new UserInputError(`未知状态「${opts.status}」。可用：open，${STATUSES.map((x) => `${x}（${STATUS_LABELS[x]}）`).join('，')}`);
          }
          status = [s];
        }
      }
      const rows = await withStore(ctx, (store) => store.tickets.list({ ...(status ? { status } : {}), ...(opts.town ? { town: opts.town } : {}) }));
      const masked = rows.map(maskTicket);
      if (opts.json) {
        io.stdout(JSON.stringify(masked.map(asJson), null, 2) + '\n');
        return;
      }
      if (masked.length === 0) {
        io.stdout('没有符合条件的代办单。\n');
        return;
      }
      for (const t of masked) {
        io.stdout(
          [
            `#${t.id}`,
            t.number,
            STATUS_LABELS[t.status],
            t.town ?? '-',
            t.items.map((i) => `${i.name}(${limitText(i.promisedLimit)})`).join('、') || '-',
            t.companyName,
            `${t.contactName} ${t.phone}`,
            `经办:${t.assigneeName ?? '未接单'}`,
            `登记 ${formatLocal(t.createdAt)}`,
            `更新 ${formatLocal(t.updatedAt)}`,
          ].join('  ') + '\n',
        );
      }
      io.stdout(`共 ${masked.length} 件。\n`);
    });

  tickets
    .command('show <ticket>')
    .description('看一张代办单的详情和全部记录：12、#12 或 DB-20261127-0012')
    .option('--json', '以 JSON 输出')
    .option('--mask', '手机号、信用代码打码')
    .action(async (ref: string, opts: { json?: boolean; mask?: boolean }) => {
      const { io } = ctx;
      if (!parseTicketRef(ref)) throw new UserInputError(`单号「${ref}」格式不对，应为 12、#12 或 DB-20261127-0012`);
      const found = await withStore(ctx, async (store) => {
        const t = await store.tickets.get(ref);
        if (!t) return null;
        return { ticket: t, events: await store.tickets.events(t.id), rating: await store.tickets.rating(t.id) };
      });
      if (!found) throw new UserInputError(`没有找到代办单 ${ref}。用 daiban tickets list 查看全部。`);
      const ticket = opts.mask ? maskTicket(found.ticket) : found.ticket;
      if (opts.json) {
        io.stdout(
          JSON.stringify(
            {
              ...asJson(ticket),
              events: found.events.map((e) => ({ ...e, at: e.at.toISOString() })),
              rating: found.rating ? { ...found.rating, at: found.rating.at.toISOString() } : null,
            },
            null,
            2,
          ) + '\n',
        );
        return;
      }
      io.stdout(detailText(ticket, found.events, { masked: false, internal: true }) + '\n');
      if (found.rating) io.stdout(`评价：${found.rating.score}分${found.rating.comment ? `，${found.rating.comment}` : ''}\n`);
    });

  for (const spec of Object.values(ACTIONS)) if (spec.role === 'staff') registerAction(tickets, ctx, spec);

  tickets
    .command('outbox')
    .description('待发送和发送失败的消息（失败的需要人工联系对方）')
    .option('--failed', '只看发送失败的')
    .action(async (opts: { failed?: boolean }) => {
      const { io } = ctx;
      const rows = await withStore(ctx, (store) => store.outbox.list(opts.failed ? { status: 'failed' } : {}));
      const shown = rows.filter((r) => r.status !== 'delivered');
      if (shown.length === 0) {
        io.stdout(opts.failed ? '没有发送失败的消息。\n' : '没有待发送或发送失败的消息。\n');
        return;
      }
      for (const r of shown) {
        io.stdout(
          [
            r.status === 'failed' ? '发送失败' : '待发送',
            `${r.message.to.channel}:${r.message.to.kind}:${r.message.to.id}`,
            r.ticketId ? `#${r.ticketId}` : '-',
            `尝试 ${r.attempts} 次`,
            maskPersonalData(r.message.text).replace(/\s+/g, ' ').slice(0, 60),
            r.lastError ? `错误：${r.lastError}` : '',
          ].join('  ') + '\n',
        );
      }
    });

  return tickets;
}
