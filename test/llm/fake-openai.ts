// A real HTTP server on 127.0.0.1 that speaks enough of the OpenAI API
// (POST /v1/chat/completions, POST /v1/embeddings) for the tests. Each test
// scripts the replies (content, delay, status, malformed bodies) and reads
// back every request the server received.
import http from 'node:http';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { AddressInfo } from 'node:net';
import { HashEmbeddings } from '../../src/retrieval/embeddings.ts';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ChatBody {
  model: string;
  messages: ChatMessage[];
  [key: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: unknown;
  at: number;
}

/** How the server answers one chat request. */
export interface FakeReply {
  /** Assistant message content (objects are JSON-encoded). */
  content?: string | object;
  /** HTTP status (default 200). With a non-2xx status an OpenAI-style error body is sent. */
  status?: number;
  /** Send this body verbatim instead of a completion. */
  raw?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens?: number };
  finishReason?: string;
}

export type ChatScript = (body: ChatBody, req: RecordedRequest) => FakeReply | Promise<FakeReply>;

/** The JSON the answerer puts in the user message. */
export function userJson(body: ChatBody): Record<string, unknown> {
  const user = body.messages.find((m) => m.role === 'user')?.content ?? '{}';
  return JSON.parse(user) as Record<string, unknown>;
}

export const systemPrompt = (body: ChatBody): string => body.messages.find((m) => m.role === 'system')?.content ?? '';

export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  /** Replies to chat requests; replace per test. */
  chat: ChatScript = () => ({ content: {} });
  /** Vectors for embedding inputs (deterministic local hashing by default). */
  embed: (text: string) => number[] = (t) => this.hash.embed(t);
  private readonly hash = new HashEmbeddings(32);
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<FakeOpenAI> {
    const server = http.createServer();
    const fake = new FakeOpenAI(server);
    server.on('request', (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** Base URL for OPENAI_BASE_URL. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  chatRequests(): (RecordedRequest & { body: ChatBody })[] {
    return this.requests.filter((r): r is RecordedRequest & { body: ChatBody } => r.path.endsWith('/chat/completions'));
  }

  embeddingRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith('/embeddings'));
  }

  reset(): void {
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = null;
    }
    const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, body, at: Date.now() };
    this.requests.push(rec);
    const send = (status: number, payload: string) => {
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(payload);
    };
    try {
      if (req.method === 'POST' && rec.path.endsWith('/chat/completions')) {
        const b = body as ChatBody;
        const reply = await this.chat(b, rec);
        if (reply.delayMs) await this.sleep(reply.delayMs);
        if (reply.raw !== undefined) return send(reply.status ?? 200, reply.raw);
        const status = reply.status ?? 200;
        if (status >= 300) {
          return send(status, JSON.stringify({ error: { message: `scripted ${status}`, type: 'server_error', code: null } }));
        }
        const content = typeof reply.content === 'string' ? reply.content : JSON.stringify(reply.content ?? {});
        const usage = reply.usage ?? { prompt_tokens: 100, completion_tokens: 50 };
        return send(
          200,
          JSON.stringify({
            id: `chatcmpl-${this.requests.length}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: b.model,
            choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: reply.finishReason ?? 'stop' }],
            usage: { ...usage, total_tokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens },
          }),
        );
      }
      if (req.method === 'POST' && rec.path.endsWith('/embeddings')) {
        const b = body as { input: string | string[]; model: string; encoding_format?: string };
        const inputs = Array.isArray(b.input) ? b.input : [b.input];
        const data = inputs.map((text, index) => {
          const v = this.embed(String(text));
          const embedding = b.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
          return { object: 'embedding', index, embedding };
        });
        return send(200, JSON.stringify({ object: 'list', data, model: b.model, usage: { prompt_tokens: inputs.length, total_tokens: inputs.length } }));
      }
      send(404, JSON.stringify({ error: { message: `no route ${req.method} ${rec.path}` } }));
    } catch (err) {
      send(500, JSON.stringify({ error: { message: String(err) } }));
    }
  }
}

/**
 * Starts one fake server for the test file (closed afterwards, its script and
 * log reset before each test). The returned handle forwards to the running
 * server, so tests can write `fake.url`, `fake.requests`, …
 */
export function useFakeOpenAI(): FakeOpenAI {
  let server: FakeOpenAI | undefined;
  beforeAll(async () => {
    server = await FakeOpenAI.start();
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => {
    server?.reset();
  });
  return new Proxy({} as FakeOpenAI, {
    get(_target, prop) {
      if (!server) throw new Error('the fake OpenAI server is not started yet (use it inside tests or hooks)');
      const value = Reflect.get(server, prop, server) as unknown;
      return typeof value === 'function' ? value.bind(server) : value;
    },
    set(_target, prop, value) {
      if (!server) throw new Error('the fake OpenAI server is not started yet (use it inside tests or hooks)');
      return Reflect.set(server, prop, value, server);
    },
  });
}
