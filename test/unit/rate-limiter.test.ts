import { describe, expect, it } from 'vitest';
import { createTokenBucketLimiter, type TokenBucketOptions } from '../../src/rate-limits/rate-limiter.js';

function limiterWithClock(options: Omit<TokenBucketOptions, 'clock'>) {
  let now = 1_000_000;
  const limiter = createTokenBucketLimiter({ ...options, clock: () => now });
  return {
    limiter,
    advance(ms: number): void {
      now += ms;
    },
    setNow(ms: number): void {
      now = ms;
    },
  };
}

function takeMany(take: () => { allowed: boolean }, count: number): boolean[] {
  return Array.from({ length: count }, () => take().allowed);
}

describe('token bucket rate limiter', () => {
  it('allows a burst, then refuses with the time until the next token', () => {
    const { limiter } = limiterWithClock({ ratePerSecond: 2, burst: 3 });
    expect(takeMany(() => limiter.take('portal'), 3)).toEqual([true, true, true]);
    expect(limiter.take('portal')).toEqual({ allowed: false, retryAfterMs: 500 });
  });

  it('counts retryAfterMs down as time passes, and refused requests do not cost a token', () => {
    const { limiter, advance } = limiterWithClock({ ratePerSecond: 2, burst: 1 });
    expect(limiter.take('portal').allowed).toBe(true);
    advance(200);
    expect(limiter.take('portal')).toEqual({ allowed: false, retryAfterMs: 300 });
    advance(299);
    expect(limiter.take('portal')).toEqual({ allowed: false, retryAfterMs: 1 });
    advance(1);
    expect(limiter.take('portal')).toEqual({ allowed: true });
  });

  it('refills continuously, at the configured rate', () => {
    const { limiter, advance } = limiterWithClock({ ratePerSecond: 10, burst: 5 });
    expect(takeMany(() => limiter.take('portal'), 6)).toEqual([true, true, true, true, true, false]);
    advance(250);
    // 2.5 tokens came back: two requests go through, the third waits for the half token.
    expect(takeMany(() => limiter.take('portal'), 2)).toEqual([true, true]);
    expect(limiter.take('portal')).toEqual({ allowed: false, retryAfterMs: 50 });
  });

  it('never saves up more than the burst, however long a client was idle', () => {
    const { limiter, advance } = limiterWithClock({ ratePerSecond: 1, burst: 2 });
    limiter.take('portal');
    advance(3_600_000);
    expect(takeMany(() => limiter.take('portal'), 3)).toEqual([true, true, false]);
  });

  it('keeps clients apart', () => {
    const { limiter } = limiterWithClock({ ratePerSecond: 1, burst: 2 });
    expect(takeMany(() => limiter.take('noisy'), 3)).toEqual([true, true, false]);
    expect(takeMany(() => limiter.take('quiet'), 2)).toEqual([true, true]);
    expect(limiter.take('noisy').allowed).toBe(false);
  });

  it('forgets clients whose bucket has filled up again', () => {
    const { limiter, advance } = limiterWithClock({ ratePerSecond: 1, burst: 2 });
    for (let i = 0; i < 1000; i += 1) limiter.take(`client-${i}`);
    expect(limiter.trackedClients).toBe(1000);
    advance(1000);
    limiter.take('late-comer');
    expect(limiter.trackedClients).toBe(1);
  });

  it('holds at most maxClients buckets when many clients are active at once', () => {
    const { limiter } = limiterWithClock({ ratePerSecond: 1, burst: 1, maxClients: 100 });
    for (let i = 0; i < 50_000; i += 1) limiter.take(`client-${i}`);
    expect(limiter.trackedClients).toBe(100);
    // The most recent clients keep their (empty) buckets.
    expect(limiter.take('client-49999').allowed).toBe(false);
  });

  it('keeps a recently active client over idler ones when the cap is reached', () => {
    const { limiter, advance } = limiterWithClock({ ratePerSecond: 0.001, burst: 1, maxClients: 3 });
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    advance(1);
    expect(limiter.take('a').allowed).toBe(false);
    limiter.take('d');
    expect(limiter.take('a').allowed).toBe(false);
    // b was least recently used and lost its bucket, so it starts with a fresh burst.
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('does not drain buckets when the clock steps backwards', () => {
    const { limiter, setNow } = limiterWithClock({ ratePerSecond: 1, burst: 2 });
    setNow(10_000);
    limiter.take('portal');
    setNow(5_000);
    expect(limiter.take('portal')).toEqual({ allowed: true });
    expect(limiter.take('portal').allowed).toBe(false);
  });

  it('uses a real clock when none is given', () => {
    const limiter = createTokenBucketLimiter({ ratePerSecond: 1, burst: 1 });
    expect(limiter.take('portal')).toEqual({ allowed: true });
    const refused = limiter.take('portal');
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.retryAfterMs).toBeGreaterThan(900);
  });

  it('refuses options that cannot work', () => {
    expect(() => createTokenBucketLimiter({ ratePerSecond: 0, burst: 1 })).toThrow(/ratePerSecond/);
    expect(() => createTokenBucketLimiter({ ratePerSecond: 1, burst: 0.5 })).toThrow(/burst/);
    expect(() => createTokenBucketLimiter({ ratePerSecond: 1, burst: 1, maxClients: 0 })).toThrow(/maxClients/);
  });
});

describe('token bucket retry advice', () => {
  it('lets a client that waits exactly retryAfterMs through, at awkward rates too', () => {
    for (const ratePerSecond of [3, 7, 0.3, 1000 / 7, 123.456]) {
      const { limiter, advance } = limiterWithClock({ ratePerSecond, burst: 2 });
      expect(limiter.take('portal')).toEqual({ allowed: true });
      expect(limiter.take('portal')).toEqual({ allowed: true });
      for (let round = 0; round < 50; round += 1) {
        // At most 2 ms later the bucket (at most ~143 tokens/s here) is still empty.
        advance(round % 3);
        const refused = limiter.take('portal');
        expect(refused.allowed).toBe(false);
        if (refused.allowed) continue; // narrows the type; the line above already failed
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        advance(refused.retryAfterMs);
        expect(limiter.take('portal')).toEqual({ allowed: true });
      }
    }
  });
});
