// Opens everything behind the transport: the store, the answering core (its
// index built on first run), the ticket desk and the assistant. Production
// and the local demo open exactly the same core.
import path from 'node:path';
import { openAnswerer, type Engine } from '../src/answering/engine.ts';
import { withLlm } from '../src/llm/answerer.ts';
import { createAssistant, type Assistant } from '../src/assistant/assistant.ts';
import type { Config } from '../src/config/env.ts';
import { ConfigError } from '../src/errors.ts';
import type { Logger } from '../src/log.ts';
import type { BuildProgress } from '../src/retrieval/index-store.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { createTicketDesk, type TicketDeskWithStore } from '../src/tickets/desk.ts';

export interface Core {
  store: Store;
  answerer: Engine & { close(): Promise<void> };
  desk: TicketDeskWithStore;
  assistant: Assistant;
  /** Closes the assistant, desk, answerer and store, in that order. */
  close(): Promise<void>;
}

export interface CoreOptions {
  logger: Logger;
  onProgress?: (p: BuildProgress) => void;
  /** The bot's own contact id once logged in. */
  botId?: () => string | undefined;
  /** Opens the store (default: from the configuration); tests pass a PostgreSQL schema here. */
  openStore?: () => Promise<Store>;
}

export async function openCore(configIn: Config, opts: CoreOptions): Promise<Core> {
  const { logger } = opts;
  const store = await (opts.openStore?.() ?? openStore({ databaseUrl: configIn.databaseUrl, sqlitePath: configIn.sqlitePath }));
  try {
    const offline = await openAnswerer(configIn, { logger, onProgress: opts.onProgress, unanswered: store.unanswered });
    const config = withStaffRoomTowns(configIn, offline);
    // With a model configured, questions are also rewritten and replies reworded (src/llm), never ungrounded.
    const answerer = config.openai
      ? withLlm(offline, config.openai, { logger, budgetFile: path.join(config.dataDir, 'llm-usage.json') })
      : offline;
    const catalogue = answerer.catalogue();
    const desk = createTicketDesk({
      store,
      catalogue,
      config,
      logger,
      resolveTown: (text) => answerer.resolveTown(text),
    });
    const assistant = createAssistant({ config, answerer, desk, store, logger, catalogue, botId: opts.botId });
    let closed = false;
    return {
      store,
      answerer,
      desk,
      assistant,
      async close() {
        if (closed) return;
        closed = true;
        for (const [name, step] of [
          ['assistant', () => assistant.close()],
          ['desk', () => desk.close()],
          ['answerer', () => answerer.close()],
          ['store', () => store.close()],
        ] as const) {
          try {
            await step();
          } catch (err) {
            logger.error({ err, part: name }, 'close failed');
          }
        }
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/**
 * STAFF_ROOMS may name a town by short or Traditional name (r1@chatroom=某镇简称);
 * tickets carry the full name, so resolve it once, and refuse unknown towns
 * instead of quietly routing every town's tickets to every staff room.
 */
export function withStaffRoomTowns(config: Config, towns: { resolveTown(name: string): string | null; towns(): string[] }): Config {
  const problems: { variable: string; value: string; expected: string }[] = [];
  const staffRooms = config.staffRooms.map((r) => {
    if (!r.town) return r;
    const town = towns.resolveTown(r.town);
    if (!town) problems.push({ variable: 'STAFF_ROOMS', value: `${r.roomId}=${r.town}`, expected: `知识库里的镇（街道）：${towns.towns().join('、')}` });
    return { ...r, town };
  });
  if (problems.length) throw new ConfigError(problems);
  return { ...config, staffRooms };
}
