// Addresses on tickets, the outbox, and the conversation record.
// - tickets.requester_address / assignee_address: an address key
//   (`channel:kind:id`, see src/core/messages.ts). Rows written before this
//   migration were all WeChat (Wechaty) private chats: they become
//   `wechaty:direct:<id>`.
// - outbox: every outbound message, written in the transaction of the change
//   that caused it, delivered later by src/notify/dispatcher.ts.
// - conversations: one JSON record per (channel, person) for the turn pipeline,
//   with a version for optimistic updates.
import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../db.ts';

export const addressesOutbox = (dialect: Dialect): Migration => {
  const idColumn = (t: CreateTableBuilder<string, never>): CreateTableBuilder<string, 'id'> =>
    dialect === 'postgres'
      ? t.addColumn('id', 'serial', (c) => c.primaryKey())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());

  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('tickets').addColumn('requester_address', 'text').execute();
      await db.schema.alterTable('tickets').addColumn('assignee_address', 'text').execute();
      await sql`update tickets set requester_address = 'wechaty:direct:' || requester_id where requester_address is null`.execute(db);
      await sql`update tickets set assignee_address = 'wechaty:direct:' || assignee_id where assignee_id is not null and assignee_address is null`.execute(db);
      await db.schema.createIndex('tickets_requester_address').on('tickets').column('requester_address').execute();

      await idColumn(db.schema.createTable('outbox'))
        // addressKey(to): the destination, for per-destination ordering.
        .addColumn('dest', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        /** The Outbound message as JSON. */
        .addColumn('message', 'text', (c) => c.notNull())
        /** What caused it (ticket_created, claim, relay, reply …) and for which ticket: for reports. */
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('ticket_id', 'integer')
        .addColumn('town', 'text')
        /** pending → delivered | failed. */
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_at', 'text', (c) => c.notNull())
        /** A dispatcher holds the row until then (another process may take it after). */
        .addColumn('lease_until', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('delivered_at', 'text')
        .execute();
      await db.schema.createIndex('outbox_due').on('outbox').columns(['status', 'next_at']).execute();
      await db.schema.createIndex('outbox_dest').on('outbox').columns(['dest', 'id']).execute();

      await db.schema
        .createTable('conversations')
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('conversations_pk', ['channel', 'person_id'])
        .execute();
    },
  };
};
