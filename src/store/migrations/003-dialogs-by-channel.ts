// Dialogs and pending group requests keyed by (channel, person id), not by the
// bare person id: the same id on two channels (a Wechaty wxid and a 微信客服
// external id can collide) must not share a registration dialog.
// - dialogs: rebuilt with the primary key (channel, requester_id). Existing
//   rows keep their state; their channel is the one recorded in the state
//   JSON (src/tickets/dialog.ts `channel`), absent meaning Wechaty.
// - pending_requests: a channel column; rows written before were Wechaty.
import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../db.ts';

export const dialogsByChannel = (dialect: Dialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('dialogs_v2')
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('requester_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('dialogs_v2_pk', ['channel', 'requester_id'])
      .execute();
    // A state that is not JSON (never written by this code) counts as Wechaty.
    const channelOf =
      dialect === 'postgres'
        ? sql`coalesce(case when state ~ '^\\s*\\{' then (state::jsonb ->> 'channel') end, 'wechaty')`
        : sql`coalesce(case when json_valid(state) then json_extract(state, '$.channel') end, 'wechaty')`;
    await sql`insert into dialogs_v2 (channel, requester_id, state, updated_at)
      select ${channelOf}, requester_id, state, updated_at from dialogs`.execute(db);
    await db.schema.dropTable('dialogs').execute();
    await db.schema.alterTable('dialogs_v2').renameTo('dialogs').execute();

    await db.schema.alterTable('pending_requests').addColumn('channel', 'text', (c) => c.notNull().defaultTo('wechaty')).execute();
    await db.schema.dropIndex('pending_requester').execute();
    await db.schema.createIndex('pending_requester').on('pending_requests').columns(['channel', 'requester_id']).execute();
  },
});
