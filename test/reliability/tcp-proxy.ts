// A TCP proxy on 127.0.0.1 between a client and a server (PostgreSQL in the
// tests) whose link can be cut (every connection reset, new ones refused) or
// blackholed (connections accepted, nothing forwarded either way: a hang).
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export type ProxyMode = 'pass' | 'cut' | 'blackhole';

export class TcpProxy {
  private mode: ProxyMode = 'pass';
  private readonly sockets = new Set<net.Socket>();
  /** Connections accepted since start. */
  accepted = 0;

  private constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server, { host: targetHost, port: targetPort });
    server.on('connection', (s) => proxy.accept(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** A postgres:// URL through the proxy, from one that names the real server. */
  url(direct: string): string {
    const u = new URL(direct);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    if (this.mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (this.mode === 'pass') to.write(chunk);
        // blackhole: swallowed. Nothing comes back, nothing errors.
      });
    if (this.mode === 'pass') {
      forward(client, upstream);
      forward(upstream, client);
    } else {
      // Accepted during a blackhole: never forwards, even after it lifts.
      client.on('data', () => undefined);
      upstream.on('data', () => undefined);
    }
  }

  /** Resets every open connection and refuses (resets) new ones until `restore`. */
  cut(): void {
    this.mode = 'cut';
    for (const s of this.sockets) s.resetAndDestroy();
  }

  /** Open connections stop forwarding; new ones are accepted and never answered. */
  blackhole(): void {
    this.mode = 'blackhole';
  }

  /** Back to forwarding for new connections. Connections hung by a blackhole stay hung. */
  restore(): void {
    this.mode = 'pass';
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
