// In-memory stand-ins for the stores and the ticket desk, passed in at the boundary.
import type { DeskContext, IncomingMessage, OutgoingReply, ProxyRequest, TicketDesk } from '../../src/core/desk.ts';
import type { BindingRepo, SeenRepo } from '../../src/store/types.ts';

export class MemoryBindings implements BindingRepo {
  readonly map = new Map<string, { town: string; by: string }>();
  async get(chatId: string) {
    return this.map.get(chatId)?.town ?? null;
  }
  async set(chatId: string, town: string, by: string) {
    this.map.set(chatId, { town, by });
  }
  async remove(chatId: string) {
    return this.map.delete(chatId);
  }
}

export class MemorySeen implements SeenRepo {
  readonly map = new Map<string, number>();
  async firstSeen(messageId: string, now: number, ttlMs: number) {
    for (const [id, at] of this.map) if (now - at > ttlMs) this.map.delete(id);
    if (this.map.has(messageId)) return false;
    this.map.set(messageId, now);
    return true;
  }
}

export const memoryStore = () => ({ bindings: new MemoryBindings(), seen: new MemorySeen() });

/** Records what the assistant asks of the desk; answers like a minimal desk would. */
export class RecordingDesk implements TicketDesk {
  readonly requests: { msg: IncomingMessage; req: ProxyRequest }[] = [];
  readonly handled: { msg: IncomingMessage; ctx: DeskContext }[] = [];
  /** Staff command handled by the desk in this fake: 「待办」. */
  async handle(msg: IncomingMessage, ctx: DeskContext): Promise<OutgoingReply[] | null> {
    this.handled.push({ msg, ctx });
    if (msg.text === '待办') {
      if (!ctx.isStaff) return [{ chatId: msg.chatId, chatType: msg.chatType, text: '只有工作人员可以使用这个命令。' }];
      return [{ chatId: msg.chatId, chatType: msg.chatType, text: `暂无待办（${ctx.town ?? '全部乡镇'}）` }];
    }
    return null;
  }
  async startRequest(msg: IncomingMessage, req: ProxyRequest): Promise<OutgoingReply[]> {
    this.requests.push({ msg, req });
    if (msg.chatType === 'group') {
      return [{ chatId: msg.chatId, chatType: 'group', text: `代办${req.items.join('、')}：请私聊我继续。` }];
    }
    return [{ chatId: msg.chatId, chatType: 'private', text: `好的，代办${req.items.join('、')}。请问企业名称？` }];
  }
  async myTickets(msg: IncomingMessage): Promise<OutgoingReply[]> {
    return [{ chatId: msg.chatId, chatType: msg.chatType, text: '您还没有代办记录。' }];
  }
  async onFriend(contactId: string, name: string): Promise<OutgoingReply[]> {
    return [{ chatId: contactId, chatType: 'private', text: `${name}您好，我是代办小助手。` }];
  }
  /** People the test puts into a dialog (exempt from rate limits). */
  readonly conversing = new Set<string>();
  async inConversation(personId: string): Promise<boolean> {
    return this.conversing.has(personId);
  }
  async tick(): Promise<OutgoingReply[]> {
    return [];
  }
  async close() {}
}
