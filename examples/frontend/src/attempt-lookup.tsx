import type { ApolloClient } from '@apollo/client';
import { useEffect, useState, type FormEvent } from 'react';
import { handlingOf } from './error-handling.js';
import { lookUpAttempt, type LookUpResult } from './look-up-attempt.js';

/** Looks up what became of an order by its idempotency key (the query otaOrderAttempt). */
export function AttemptLookup({ client, initialKey }: { client: ApolloClient; initialKey: string }) {
  const [key, setKey] = useState(initialKey);
  const [result, setResult] = useState<LookUpResult>();
  // Follow the last order sent, so its key is one click away; an answer about another key would mislead.
  useEffect(() => {
    setKey(initialKey);
    setResult(undefined);
  }, [initialKey]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setResult(await lookUpAttempt(client, key.trim()));
  }
  return (
    <section aria-label="look up an order">
      <h2>Look up an order</h2>
      <form onSubmit={submit}>
        <label htmlFor="lookup-key">Idempotency key</label>
        <input id="lookup-key" value={key} onChange={(event) => setKey(event.target.value)} />
        <button type="submit">Look up</button>
      </form>
      {result && (
        <div className="lookup" data-kind={result.kind} role="status">
          {describe(result)}
        </div>
      )}
    </section>
  );
}

function describe(result: LookUpResult): string {
  switch (result.kind) {
    case 'found': {
      const { attempt } = result;
      if (attempt.status === 'SUCCEEDED' && attempt.order) return `SUCCEEDED: order ${attempt.order.orderId}`;
      if (attempt.status === 'REJECTED') return `REJECTED: ${attempt.csssMessage ?? ''} (code ${attempt.csssCode ?? 'unknown'})`;
      return attempt.status;
    }
    case 'never-used':
      return 'No order was ever sent under this key.';
    case 'refused':
      return handlingOf(result.error).message;
    case 'network':
      return 'The gateway could not be reached; try again when you are back online.';
  }
}
