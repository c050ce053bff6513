// Where conversation records live: the database (table `conversations`,
// versioned, see src/store/repos.ts) or, for tests and store-less runs, memory.
import type { ConversationRecord } from './record.ts';

export interface ConversationStore {
  /** The stored record (unvalidated JSON) and its version (0: none yet). */
  load(channel: string, personId: string): Promise<{ state: unknown; version: number }>;
  /** Stores the record if the version is unchanged; false when another writer got there first. */
  save(channel: string, personId: string, record: ConversationRecord, version: number): Promise<boolean>;
}

export class MemoryConversationStore implements ConversationStore {
  readonly records = new Map<string, { state: ConversationRecord; version: number }>();
  async load(channel: string, personId: string) {
    const r = this.records.get(`${channel}:${personId}`);
    return r ? { state: structuredClone(r.state), version: r.version } : { state: null, version: 0 };
  }
  async save(channel: string, personId: string, record: ConversationRecord, version: number) {
    const key = `${channel}:${personId}`;
    if ((this.records.get(key)?.version ?? 0) !== version) return false;
    this.records.set(key, { state: structuredClone(record), version: version + 1 });
    return true;
  }
}

/** Over the store's conversations repository. */
export function databaseConversationStore(repo: {
  get(channel: string, personId: string): Promise<{ state: unknown; version: number } | undefined>;
  save(channel: string, personId: string, state: unknown, expectedVersion: number): Promise<number | null>;
}): ConversationStore {
  return {
    async load(channel, personId) {
      const r = await repo.get(channel, personId);
      return r ? { state: r.state, version: r.version } : { state: null, version: 0 };
    },
    async save(channel, personId, record, version) {
      return (await repo.save(channel, personId, record, version)) !== null;
    },
  };
}
