import { describe, expect, it } from 'vitest';
import { ShutdownStages } from '../../src/shutdown-stages.js';

describe('shutdown stages', () => {
  it('close in reverse order of registration, each after the previous one has finished', async () => {
    const events: string[] = [];
    const stages = new ShutdownStages((name) => events.push(`start ${name}`));
    for (const name of ['tracing', 'journal', 'apollo']) {
      stages.add(name, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`done ${name}`);
      });
    }

    expect(stages.closingOrder).toEqual(['apollo', 'journal', 'tracing']);
    await stages.close();
    expect(events).toEqual(['start apollo', 'done apollo', 'start journal', 'done journal', 'start tracing', 'done tracing']);
  });

  it('run each stage once however often close is called', async () => {
    let closes = 0;
    const stages = new ShutdownStages();
    stages.add('journal', () => void closes++);

    await Promise.all([stages.close(), stages.close()]);
    await stages.close();
    expect(closes).toBe(1);
    expect(() => stages.add('late', () => {})).toThrow(/shutdown has begun/);
  });

  it('still close the later stages when one fails, then reject with its error', async () => {
    const closed: string[] = [];
    const stages = new ShutdownStages();
    stages.add('journal', () => void closed.push('journal'));
    stages.add('apollo', () => Promise.reject(new Error('apollo would not stop')));

    await expect(stages.close()).rejects.toThrow('apollo would not stop');
    expect(closed).toEqual(['journal']);
  });

  it('reject with every error when several stages fail', async () => {
    const stages = new ShutdownStages();
    stages.add('journal', () => Promise.reject(new Error('journal')));
    stages.add('apollo', () => Promise.reject(new Error('apollo')));

    const failure = await stages.close().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AggregateError);
    expect((failure as AggregateError).errors.map((error: Error) => error.message)).toEqual(['apollo', 'journal']);
  });
});
