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

describe('circuit breaker', () => {
  it('stays closed while failures are not consecutive', () => {
    const { breaker: b } = breaker();
    for (const fail of [true, true, false, true, true]) {
      expect(b.tryAcquire()).toBe(true);
      if (fail) b.onFailure();
      else b.onSuccess();
    }
    expect(b.state).toBe('closed');
  });

  it('opens after the threshold, refuses until the cool-down ends, then lets exactly one probe through', () => {
    const { breaker: b, advance, states } = breaker();
    for (let i = 0; i < 3; i += 1) {
      b.tryAcquire();
      b.onFailure();
    }
    expect(b.tryAcquire()).toBe(false);
    advance(999);
    expect(b.tryAcquire()).toBe(false);
    advance(1);
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    b.onSuccess();
    expect(b.tryAcquire()).toBe(true);
    expect(states).toEqual(['open', 'half_open', 'closed']);
  });

  it('re-opens for a full cool-down when the probe fails', () => {
    const { breaker: b, advance } = breaker();
    for (let i = 0; i < 3; i += 1) {
      b.tryAcquire();
      b.onFailure();
    }
    advance(1_000);
    expect(b.tryAcquire()).toBe(true);
    b.onFailure();
    expect(b.state).toBe('open');
    advance(999);
    expect(b.tryAcquire()).toBe(false);
  });

  it('frees the probe slot when the probe is abandoned', () => {
    const { breaker: b, advance } = breaker();
    for (let i = 0; i < 3; i += 1) {
      b.tryAcquire();
      b.onFailure();
    }
    advance(1_000);
    expect(b.tryAcquire()).toBe(true);
    b.onAbandon();
    expect(b.tryAcquire()).toBe(true);
  });
});
