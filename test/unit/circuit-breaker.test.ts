import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerState } from '../../src/resilience/circuit-breaker.js';

function breaker(): { breaker: CircuitBreaker; advance(ms: number): void; states: BreakerState[] } {
  let now = 0;
  const states: BreakerState[] = [];
  return {
    breaker: new CircuitBreaker({
      failureThreshold: 3,
      cooldownMs: 1_000,
      clock: () => now,
      onStateChange: (state) => states.push(state),
    }),
    advance: (ms) => {
      now += ms;
    },
    states,
  };
}

/** Lets a call through and reports it failed. */
function fail(b: CircuitBreaker): void {
  const permit = b.tryAcquire();
  if (permit === undefined) throw new Error('expected a permit');
  b.onFailure(permit);
}

describe('circuit breaker', () => {
  it('stays closed while failures are not consecutive', () => {
    const { breaker: b } = breaker();
    for (const failed of [true, true, false, true, true]) {
      const permit = b.tryAcquire();
      expect(permit).toBeDefined();
      if (failed) b.onFailure(permit!);
      else b.onSuccess(permit!);
    }
    expect(b.state).toBe('closed');
  });

  it('opens after the threshold, refuses until the cool-down ends, then lets exactly one probe through', () => {
    const { breaker: b, advance, states } = breaker();
    for (let i = 0; i < 3; i += 1) fail(b);
    expect(b.tryAcquire()).toBeUndefined();
    advance(999);
    expect(b.tryAcquire()).toBeUndefined();
    advance(1);
    const probe = b.tryAcquire();
    expect(probe).toBeDefined();
    expect(b.tryAcquire()).toBeUndefined();
    b.onSuccess(probe!);
    expect(b.tryAcquire()).toBeDefined();
    expect(states).toEqual(['open', 'half_open', 'closed']);
  });

  it('re-opens for a full cool-down when the probe fails', () => {
    const { breaker: b, advance } = breaker();
    for (let i = 0; i < 3; i += 1) fail(b);
    advance(1_000);
    fail(b);
    expect(b.state).toBe('open');
    advance(999);
    expect(b.tryAcquire()).toBeUndefined();
  });

  it('frees the probe slot when the probe is abandoned', () => {
    const { breaker: b, advance } = breaker();
    for (let i = 0; i < 3; i += 1) fail(b);
    advance(1_000);
    b.onAbandon(b.tryAcquire()!);
    expect(b.state).toBe('half_open');
    expect(b.tryAcquire()).toBeDefined();
    expect(b.tryAcquire()).toBeUndefined();
  });

  it('ignores a slow call from before it opened: it neither closes it nor frees the probe slot', () => {
    const { breaker: b, advance } = breaker();
    const slow = b.tryAcquire()!;
    for (let i = 0; i < 3; i += 1) fail(b);
    advance(1_000);
    const probe = b.tryAcquire();
    expect(probe).toBeDefined();

    b.onSuccess(slow);
    expect(b.state).toBe('half_open');
    expect(b.tryAcquire()).toBeUndefined();
  });
});
