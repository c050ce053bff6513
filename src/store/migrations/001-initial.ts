// The first schema: tickets with items, events (the audit trail), dialogs,
// ratings, pending group requests and the small stores of the assistant.
import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../db.ts';

export const initial = (dialect: Dialect): Migration => {
  // An auto-incrementing integer key in each dialect.
  const idColumn = (t: CreateTableBuilder<string, never>): CreateTableBuilder<string, 'id'> =>
    dialect === 'postgres'
      ? t.addColumn('id', 'serial', (c) => c.primaryKey())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());

  return {
    async up(db: Kysely<any>) {
      await idColumn(db.schema.createTable('tickets'))
        .addColumn('number', 'text', (c) => c.notNull().unique())
        .addColumn('requester_id', 'text', (c) => c.notNull())
        .addColumn('requester_name', 'text', (c) => c.notNull())
        .addColumn('company_name', 'text', (c) => c.notNull())
        .addColumn('credit_code', 'text')
        .addColumn('contact_name', 'text', (c) => c.notNull())
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('prepared_materials', 'text')
        .addColumn('town', 'text')
        .addColumn('scenario', 'text')
        .addColumn('from_chat', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('assignee_id', 'text')
        .addColumn('assignee_name', 'text')
        .addColumn('conversation_held', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('dialog_key', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('claimed_at', 'text')
        .addColumn('closed_at', 'text')
        .execute();
      await db.schema.createIndex('tickets_requester').on('tickets').column('requester_id').execute();
      await db.schema.createIndex('tickets_status').on('tickets').columns(['status', 'created_at']).execute();

      await idColumn(db.schema.createTable('ticket_items'))
        .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('item_name', 'text', (c) => c.notNull())
        .addColumn('promised_limit', 'text')
        .execute();
      await db.schema.createIndex('ticket_items_ticket').on('ticket_items').column('ticket_id').execute();

      await idColumn(db.schema.createTable('ticket_events'))
        .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id'))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('from_status', 'text')
        .addColumn('to_status', 'text')
        .addColumn('public', 'integer', (c) => c.notNull())
        .addColumn('text', 'text')
        .execute();
      await db.schema.createIndex('ticket_events_ticket').on('ticket_events').columns(['ticket_id', 'id']).execute();

      await db.schema
        .createTable('dialogs')
        .addColumn('requester_id', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await idColumn(db.schema.createTable('ratings'))
        .addColumn('ticket_id', 'integer', (c) => c.notNull().unique().references('tickets.id'))
        .addColumn('score', 'integer', (c) => c.notNull().check(sql`score between 1 and 5`))
        .addColumn('comment', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();

      await idColumn(db.schema.createTable('pending_requests'))
        .addColumn('requester_id', 'text', (c) => c.notNull())
        .addColumn('requester_name', 'text', (c) => c.notNull())
        .addColumn('items', 'text', (c) => c.notNull())
        .addColumn('town', 'text')
        .addColumn('scenario', 'text')
        .addColumn('from_chat', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('consumed_at', 'text')
        .execute();
      await db.schema.createIndex('pending_requester').on('pending_requests').column('requester_id').execute();

      await db.schema
        .createTable('chat_bindings')
        .addColumn('chat_id', 'text', (c) => c.primaryKey())
        .addColumn('town', 'text', (c) => c.notNull())
        .addColumn('by', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('seen_messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('seen_messages_at').on('seen_messages').column('at').execute();

      await idColumn(db.schema.createTable('unanswered'))
        .addColumn('question', 'text', (c) => c.notNull())
        .addColumn('normalized', 'text', (c) => c.notNull())
        .addColumn('town', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('candidates', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('unanswered_at').on('unanswered').column('at').execute();

      await db.schema
        .createTable('sla_notices')
        .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sla_notices_pk', ['ticket_id', 'kind'])
        .execute();

      await db.schema
        .createTable('staff_contacts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
    },
  };
};
