import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';

/**
 * A slow CSSS: holds each request, then forwards it to the simulator unchanged, so that
 * orders stay in flight long enough to race, crash or cut connections under them.
 */
export interface SlowUpstream {
  url: string;
  /** Requests received so far (each is forwarded once, even if its caller has gone). */
  received: number;
  close(): Promise<void>;
}

/** Forwards each request `delayMs` after it arrived. */
export function startSlowUpstream(target: string, delayMs: number): Promise<SlowUpstream> {
  return startHoldingUpstream(target, (forward) => void setTimeout(forward, delayMs).unref());
}

/**
 * Holds every request until `count` are held at once, then forwards them all, and any later
 * one at once: a CSSS as slow as it takes for `count` calls to be in flight together. A
 * gateway that cannot send that many at once sees its calls reach their deadline instead.
 */
export function startGatedUpstream(target: string, count: number): Promise<SlowUpstream> {
  const held: Array<() => void> = [];
  let open = false;
  return startHoldingUpstream(target, (forward) => {
    if (open) return forward();
    held.push(forward);
    if (held.length < count) return;
    open = true;
    for (const release of held.splice(0)) release();
  });
}

async function startHoldingUpstream(target: string, hold: (forward: () => void) => void): Promise<SlowUpstream> {
  const { hostname, port } = new URL(target);
  let received = 0;
  const server = createServer((inbound, outbound) => {
    received += 1;
    const chunks: Buffer[] = [];
    inbound.on('data', (chunk: Buffer) => chunks.push(chunk));
    inbound.on('end', () => {
      hold(() => {
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
      });
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
