// Table shapes as Kysely sees them. Identical on SQLite and PostgreSQL:
// timestamps are ISO-8601 UTC strings (`Date#toISOString()`, which sort
// lexicographically), booleans are integers 0/1, JSON is text.
import type { Generated } from 'kysely';

export interface TicketsTable {
  id: Generated<number>;
  number: string;
  requester_id: string;
  requester_name: string;
  company_name: string;
  credit_code: string | null;
  contact_name: string;
  phone: string;
  prepared_materials: string | null;
  town: string | null;
  scenario: string | null;
  from_chat: string | null;
  status: string;
  assignee_id: string | null;
  assignee_name: string | null;
  conversation_held: number;
  dialog_key: string;
  created_at: string;
  updated_at: string;
  claimed_at: string | null;
  closed_at: string | null;
  /** addressKey of the requester's direct chat (migration 002). */
  requester_address: string | null;
  /** addressKey of the assignee's direct chat. */
  assignee_address: string | null;
}

export interface TicketItemsTable {
  id: Generated<number>;
  ticket_id: number;
  position: number;
  item_name: string;
  /** 即办, a number of working days as text, or null when unknown. */
  promised_limit: string | null;
}

export interface TicketEventsTable {
  id: Generated<number>;
  ticket_id: number;
  at: string;
  actor_id: string;
  actor_name: string;
  kind: string;
  from_status: string | null;
  to_status: string | null;
  public: number;
  text: string | null;
}

export interface DialogsTable {
  channel: string;
  requester_id: string;
  state: string;
  updated_at: string;
}

export interface RatingsTable {
  id: Generated<number>;
  ticket_id: number;
  score: number;
  comment: string | null;
  at: string;
}

export interface PendingRequestsTable {
  id: Generated<number>;
  channel: Generated<string>;
  requester_id: string;
  requester_name: string;
  items: string;
  town: string | null;
  scenario: string | null;
  from_chat: string | null;
  at: string;
  consumed_at: string | null;
}

export interface ChatBindingsTable {
  chat_id: string;
  town: string;
  by: string;
  at: string;
}

export interface SeenMessagesTable {
  id: string;
  at: string;
}

export interface UnansweredTable {
  id: Generated<number>;
  question: string;
  normalized: string;
  town: string | null;
  status: string;
  candidates: string;
  at: string;
}

export interface SlaNoticesTable {
  ticket_id: number;
  kind: string;
  at: string;
}

export interface StaffContactsTable {
  id: string;
  name: string;
  at: string;
}

export interface OutboxTable {
  id: Generated<number>;
  dest: string;
  channel: string;
  message: string;
  kind: string;
  ticket_id: number | null;
  town: string | null;
  status: string;
  attempts: Generated<number>;
  next_at: string;
  lease_until: string | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface ConversationsTable {
  channel: string;
  person_id: string;
  state: string;
  version: number;
  updated_at: string;
}

export interface Database {
  tickets: TicketsTable;
  ticket_items: TicketItemsTable;
  ticket_events: TicketEventsTable;
  dialogs: DialogsTable;
  ratings: RatingsTable;
  pending_requests: PendingRequestsTable;
  chat_bindings: ChatBindingsTable;
  seen_messages: SeenMessagesTable;
  unanswered: UnansweredTable;
  sla_notices: SlaNoticesTable;
  staff_contacts: StaffContactsTable;
  outbox: OutboxTable;
  conversations: ConversationsTable;
}
