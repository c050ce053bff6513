// `daiban tickets …`: the proxy-handling tickets for a clerk at a terminal,
// read from the same database as the bot. `list` masks phones and credit
// codes (it is often pasted around); `show` prints them in full (the clerk
// needs them to call the requester) — pass --mask to hide them.
import type { Command } from 'commander';
import { UserInputError } from '../../errors.ts';
import { maskCreditCode, maskMobile } from '../../privacy/pii.ts';
import type { Store } from '../../store/index.ts';
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

  return tickets;
}
