// Interfaces of the small persistent stores shared by the assistant, the gate
// and the answering core. One database (SQLite file by default, PostgreSQL
// when DATABASE_URL is set) backs all of them and the ticket tables.

export interface BindingRepo {
  /** Town bound to a group chat, or null. */
  get(chatId: string): Promise<string | null>;
  set(chatId: string, town: string, by: string): Promise<void>;
  /** Returns true when a binding existed. */
  remove(chatId: string): Promise<boolean>;
}

export interface SeenRepo {
  /**
   * Records a message id; returns true the first time it is seen, false for a
   * duplicate within the TTL. Entries older than the TTL are purged lazily.
   */
  firstSeen(messageId: string, now: number, ttlMs: number): Promise<boolean>;
}

/** The database's seen store: also a read-only check (an early drop before the real claim in commitTurn). */
export interface SeenStore extends SeenRepo {
  /** Was this id committed as seen within the TTL? */
  has(messageId: string, now: number, ttlMs: number): Promise<boolean>;
}

export interface UnansweredEntry {
  id?: number;
  question: string;
  /** Normalised (simplified) question, used for grouping. */
  normalized: string;
  town: string | null;
  /** partial: the item is known but the part asked (tax rate, penalty …) is not in the knowledge. */
  status: 'no_match' | 'out_of_scope' | 'partial';
  /** Top retrieval candidates with scores, best first. */
  candidates: { item: string; score: number }[];
  at: Date;
}

export interface UnansweredRepo {
  add(entry: UnansweredEntry): Promise<void>;
  list(since?: Date): Promise<UnansweredEntry[]>;
}
