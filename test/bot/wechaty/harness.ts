// Real Wechaty on wechaty-puppet-mock, with the production transport and
// app; the answerer, stores and desk are passed in.
import { botIdOf, createTransport, type Transport } from '../../../bot/wechaty/transport.ts';
import { createMockWorld, type MockContact, type MockRoom, type MockWorld, type SayOptions, type SentMessage } from '../../../bot/wechaty/mock-world.ts';
import { createApp, type App } from '../../../src/app.ts';
import type { TicketDesk } from '../../../src/core/desk.ts';
import type { Answerer } from '../../../src/answering/types.ts';
import { loadConfig, type Config } from '../../../src/config/env.ts';
import { silentLogger, type Logger } from '../../../src/log.ts';
import type { BindingRepo, SeenRepo } from '../../../src/store/types.ts';
import { FakeAnswerer } from '../../app/fake-answerer.ts';
import { memoryStore } from '../../app/fakes.ts';

export const GROUP = 'yongan-group@chatroom';
export const OTHER_GROUP = 'dayao-group@chatroom';
export const STAFF_ROOM = 'yongan-staff@chatroom';

export interface Harness {
  world: MockWorld;
  transport: Transport;
  app: App;
  config: Config;
  store: { bindings: BindingRepo; seen: SeenRepo };
  zhang: MockContact;
  li: MockContact;
  wang: MockContact;
  group: MockRoom;
  otherGroup: MockRoom;
  staffRoom: MockRoom;
  /** Says something and returns what the bot sent in response. */
  say(from: MockContact, text: string, opts?: SayOptions): Promise<SentMessage[]>;
  /** Runs an action that delivers one message and waits for the replies. */
  deliver(action: () => void): Promise<SentMessage[]>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  answerer?: Answerer;
  desk?: TicketDesk;
  store?: { bindings: BindingRepo; seen: SeenRepo };
  logger?: Logger;
  maxChars?: number;
  configure?: (c: Config) => Config;
  /** Builds the app (e.g. the production core) instead of the fakes. */
  appFactory?: (config: Config, botId: (channel: string) => string | undefined) => Promise<App>;
}

export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function createHarness(opts: HarnessOptions = {}): Promise<Harness> {
  let config = loadConfig({ STAFF_ROOMS: `${STAFF_ROOM}=永安镇`, ...opts.env }, '/tmp');
  if (opts.configure) config = opts.configure(config);
  const world = createMockWorld({ botName: config.botName });
  const store = opts.store ?? memoryStore();
  const logger = opts.logger ?? silentLogger();
  const app = opts.appFactory
    ? await opts.appFactory(config, botIdOf(world.bot))
    : createApp(config, {
        answerer: opts.answerer ?? new FakeAnswerer(),
        desk: opts.desk,
        store,
        logger,
        botId: botIdOf(world.bot),
      });
  const transport = createTransport({ bot: world.bot, app, config, logger, maxChars: opts.maxChars });
  transport.attach();

  const zhang = world.contact('zhang', '张老板');
  const li = world.contact('li-clerk', '李办事员');
  const wang = world.contact('wang', '王会计');
  const group = world.room(GROUP, '永安镇企业服务群', [zhang, li, wang]);
  const otherGroup = world.room(OTHER_GROUP, '大瑶镇商户群', [zhang, wang]);
  const staffRoom = world.room(STAFF_ROOM, '永安镇代办员工作群', [li]);
  await world.start();

  const deliver = async (action: () => void): Promise<SentMessage[]> => {
    const sentBefore = world.sent.length;
    const statsBefore = transport.stats.sent;
    const received = transport.stats.received;
    action();
    await waitFor(() => transport.stats.received > received, 5000, 'the message to reach the transport');
    await transport.idle();
    await waitFor(() => world.sent.length - sentBefore >= transport.stats.sent - statsBefore, 5000, 'sent messages');
    return world.sent.slice(sentBefore);
  };

  return {
    world,
    transport,
    app,
    config,
    store,
    zhang,
    li,
    wang,
    group,
    otherGroup,
    staffRoom,
    deliver,
    say: (from, text, o) => deliver(() => world.say(from, text, o)),
    async close() {
      transport.stop();
      await transport.idle();
      await world.stop();
    },
  };
}
