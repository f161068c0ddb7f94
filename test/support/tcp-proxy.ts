import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

/**
 * A TCP forwarder on a port of its own that can be stopped and started again on the same
 * port: a database or Redis that goes away and comes back, without stopping the shared
 * server other tests use. Stopping cuts every connection, as a crash of the server would.
 */
export interface TcpProxy {
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** While on, what the target sends is dropped: requests arrive and are acted on, their replies are lost. */
  dropReplies(on: boolean): void;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let dropping = false;
  const listen = async (): Promise<void> => {
    const created = createServer((inbound) => {
      const outbound = connect(target.port, target.host);
      for (const socket of [inbound, outbound]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          inbound.destroy();
          outbound.destroy();
        });
      }
      inbound.pipe(outbound);
      outbound.on('data', (chunk: Buffer) => {
        if (!dropping) inbound.write(chunk);
      });
    });
    created.listen(port, '127.0.0.1');
    await once(created, 'listening');
    port = (created.address() as { port: number }).port;
    server = created;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    async stop() {
      const stopping = server;
      server = undefined;
      if (!stopping) return;
      const closed = new Promise((resolve) => stopping.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async start() {
      if (!server) await listen();
    },
    dropReplies(on) {
      dropping = on;
    },
  };
}
