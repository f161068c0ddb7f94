import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runOpenLoop } from '../../bench/open-loop-load.js';

/** A loopback server that answers every request after `delayMs`, with the status the body asks for. */
async function slowServer(delayMs: number): Promise<{ url: string; server: Server; concurrent: () => number }> {
  let inFlight = 0;
  let mostInFlight = 0;
  const server = createServer((request, response) => {
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      setTimeout(() => {
        inFlight -= 1;
        response.writeHead(body === 'refuse' ? 503 : 200, { 'content-type': 'text/plain' });
        response.end(body === 'refuse' ? 'busy' : 'ok');
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/order`, server, concurrent: () => mostInFlight };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const classify = (status: number, body: string): string | undefined => (status === 200 && body === 'ok' ? undefined : `HTTP ${status}`);

describe("the bench's open-loop load generator", () => {
  it('keeps sending at its rate while earlier requests wait, so about rate × latency are in flight', async () => {
    const upstream = await slowServer(300);
    servers.push(upstream.server);
    const result = await runOpenLoop({
      url: upstream.url,
      ratePerSecond: 100,
      durationS: 1,
      nextRequest: () => ({ headers: {}, body: 'order' }),
      classify,
    });

    expect(result.sent).toBe(100);
    expect(result.succeeded).toBe(100);
    expect(result.failures).toEqual({});
    // A closed loop on one connection would hold one; paced at 100/s against 300 ms it is about 30.
    expect(upstream.concurrent()).toBeGreaterThanOrEqual(15);
    expect(result.maxInFlight).toBeGreaterThanOrEqual(15);
    expect(result.latenciesMs).toHaveLength(100);
    expect(result.latenciesMs[0]).toBeGreaterThanOrEqual(299);
    // The run spans the schedule plus one answer, not 100 answers one after another (30 s).
    expect(result.elapsedS).toBeLessThan(5);
  });

  it('counts refusals and timeouts by label and leaves them out of the latencies', async () => {
    const upstream = await slowServer(50);
    servers.push(upstream.server);
    let sequence = 0;
    const refused = await runOpenLoop({
      url: upstream.url,
      ratePerSecond: 40,
      durationS: 0.5,
      nextRequest: () => ({ headers: {}, body: (sequence += 1) % 2 === 0 ? 'refuse' : 'order' }),
      classify,
    });
    expect(refused.sent).toBe(20);
    expect(refused.succeeded).toBe(10);
    expect(refused.failures).toEqual({ 'HTTP 503': 10 });
    expect(refused.latenciesMs).toHaveLength(10);

    const tooSlow = await slowServer(2000);
    servers.push(tooSlow.server);
    const timedOut = await runOpenLoop({
      url: tooSlow.url,
      ratePerSecond: 10,
      durationS: 0.5,
      timeoutMs: 200,
      nextRequest: () => ({ headers: {}, body: 'order' }),
      classify,
    });
    expect(timedOut.succeeded).toBe(0);
    expect(timedOut.failures).toEqual({ timeout: 5 });
  });

  it('refuses targets off the loopback interface and unbounded runs before sending anything', async () => {
    const noRequest = () => {
      throw new Error('no request may be built');
    };
    await expect(
      runOpenLoop({ url: 'http://192.0.2.1/order', ratePerSecond: 1, durationS: 1, nextRequest: noRequest, classify }),
    ).rejects.toThrow(/only loads loopback targets/);
    await expect(
      runOpenLoop({ url: 'http://127.0.0.1:9/order', ratePerSecond: 10_000, durationS: 600, nextRequest: noRequest, classify }),
    ).rejects.toThrow(/between 1 and 200000 requests/);
  });
});
