// Versioned migrations, provided in code (no directory scanning, so they work
// the same under tsx and in tests). Names sort in the order they apply.
import type { Migration, MigrationProvider } from 'kysely';
import type { Dialect } from '../db.ts';
import { initial } from './001-initial.ts';
import { addressesOutbox } from './002-addresses-outbox.ts';
import { dialogsByChannel } from './003-dialogs-by-channel.ts';

export const migrations = (dialect: Dialect): Record<string, Migration> => ({
  '001-initial': initial(dialect),
  '002-addresses-outbox': addressesOutbox(dialect),
  '003-dialogs-by-channel': dialogsByChannel(dialect),
});

export const migrationProvider = (dialect: Dialect): MigrationProvider => ({
  getMigrations: async () => migrations(dialect),
});
