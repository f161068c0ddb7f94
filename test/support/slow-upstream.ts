import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';

/**
 * A slow CSSS: forwards each request to the simulator unchanged after `delayMs`, so that
 * orders stay in flight long enough to race, crash or cut connections under them.
 */
export interface SlowUpstream {
  url: string;
  /** Requests received so far (each is forwarded once, even if its caller has gone). */
  received: number;
  close(): Promise<void>;
}

export async function startSlowUpstream(target: string, delayMs: number): Promise<SlowUpstream> {
  const { hostname, port } = new URL(target);
  let received = 0;
  const server = createServer((inbound, outbound) => {
    received += 1;
    const chunks: Buffer[] = [];
    inbound.on('data', (chunk: Buffer) => chunks.push(chunk));
    inbound.on('end', () => {
      setTimeout(() => {
        const forwarded = httpRequest(
          { host: hostname, port, path: inbound.url, method: inbound.method, headers: inbound.headers },
          (answer) => {
            if (outbound.destroyed) return void answer.resume();
            outbound.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outbound);
          },
        );
        forwarded.on('error', () => outbound.destroy());
        forwarded.end(Buffer.concat(chunks));
      }, delayMs).unref();
    });
    // A caller that hangs up (a killed replica) does not stop the order reaching CSSS.
    inbound.on('error', () => {});
    outbound.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    get received() {
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
