// The process's one HTTP server (HTTP_PORT): channels mount their routes on
// the Hono app before it starts. A health route tells operators it is up.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';

export interface HttpServer {
  readonly app: Hono;
  /** Listens; resolves with the actual port (0 in the options picks a free one). */
  start(): Promise<number>;
  close(): Promise<void>;
}

export function createHttpServer(opts: { port: number; hostname?: string }): HttpServer {
  const app = new Hono();
  // WeCom callbacks are a few hundred bytes; anything large is not from WeCom.
  app.use(bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.text('payload too large', 413) }));
  app.get('/healthz', (c) => c.text('ok'));
  let server: ServerType | null = null;
  return {
    app,
    start: () =>
      new Promise((resolve, reject) => {
        const s = serve({ fetch: app.fetch, port: opts.port, hostname: opts.hostname }, (info: AddressInfo) => resolve(info.port));
        s.once('error', reject);
        server = s;
      }),
    close: () =>
      new Promise((resolve) => {
        if (!server) return resolve();
        const s = server;
        server = null;
        if ('closeAllConnections' in s) s.closeAllConnections();
        s.close(() => resolve());
      }),
  };
}
