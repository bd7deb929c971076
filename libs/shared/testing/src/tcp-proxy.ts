import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder to PostgreSQL that can pause: from pause() on, nothing it carries moves either way (the bytes are
 * held), a connection opened meanwhile is accepted and never answered, and a connection the client ends or destroys
 * is not passed on (allowHalfOpen: no goodbye answered) — a hung server or a half-open path. resume() delivers what
 * was held, as a server that comes back does.
 */
export interface PausableProxy {
  readonly url: string;
  pause(): void;
  resume(): void;
  /** Paused for good, and every connection it carries cut: the pools must open new ones, which are never answered. */
  silence(): void;
  close(): Promise<void>;
}

/** `port`: listen there (a server that comes up where a client already looks for it); default any free port. */
export async function pausableProxy(target: URL, options: { readonly port?: number } = {}): Promise<PausableProxy> {
  let paused = false;
  const flushes = new Set<() => void>();
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    const toServer: Buffer[] = [];
    const toClient: Buffer[] = [];
    let clientGone = false;
    let upstream: Socket | undefined;
    const open = () => {
      const socket = connect({ port: Number(target.port || 5432), host: target.hostname, allowHalfOpen: true });
      upstream = socket;
      sockets.add(socket);
      socket.on('error', () => client.destroy());
      socket.on('data', (chunk: Buffer) => (paused ? toClient.push(chunk) : client.write(chunk)));
      socket.on('close', () => {
        if (paused) toClient.push(Buffer.alloc(0));
        else client.destroy();
      });
    };
    const flush = () => {
      if (!upstream) open();
      for (const chunk of toServer.splice(0)) upstream?.write(chunk);
      for (const chunk of toClient.splice(0)) if (chunk.length > 0) client.write(chunk);
      if (clientGone) upstream?.end();
    };
    client.on('data', (chunk: Buffer) => (paused || !upstream ? toServer.push(chunk) : upstream.write(chunk)));
    const gone = () => {
      clientGone = true;
      if (!paused) upstream?.end();
    };
    client.on('end', gone);
    client.on('close', gone);
    flushes.add(flush);
    client.on('close', () => sockets.delete(client));
    if (!paused) open();
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = new URL(target.href);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.href,
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const flush of flushes) flush();
    },
    silence() {
      paused = true;
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
