import type { ApolloClient } from '@apollo/client';
import { useState } from 'react';
import { AttemptLookup } from './attempt-lookup.js';
import type { CreateOtaOrderInput } from './gql/graphql.js';
import { OrderForm } from './order-form.js';
import { EXAMPLE_DRAFT, orderOf, type OrderDraft } from './order-draft.js';
import { OutcomeView } from './outcome-view.js';
import { placeOrder, type OrderOutcome } from './place-order.js';

/** One order at a time: the form, what became of the order, a safe retry, and the lookup of a key. */
export function OrderApp({ client }: { client: ApolloClient }) {
  const [draft, setDraft] = useState<OrderDraft>(EXAMPLE_DRAFT);
  // The order as last sent, with its key: a retry resends exactly this, so it cannot order twice.
  const [sent, setSent] = useState<CreateOtaOrderInput>();
  const [outcome, setOutcome] = useState<OrderOutcome>();
  const [busy, setBusy] = useState(false);

  async function send(input: CreateOtaOrderInput) {
    setSent(input);
    setBusy(true);
    try {
      setOutcome(await placeOrder(client, input));
    } finally {
      setBusy(false);
    }
  }

  const violations = outcome?.kind === 'refused' ? (outcome.error.violations ?? []) : [];
  return (
    <main>
      <h1>Order an OTA data plan</h1>
      <OrderForm
        draft={draft}
        onChange={setDraft}
        violations={violations}
        busy={busy}
        // A new order the user asked for: a new key, once, here.
        onSubmit={() => void send(orderOf(draft, crypto.randomUUID()))}
      />
      {outcome && sent && (
        <section aria-label="outcome">
          <OutcomeView outcome={outcome} idempotencyKey={sent.idempotencyKey} />
          {outcome.kind !== 'refused' && (
            <button type="button" disabled={busy} onClick={() => void send(sent)}>
              Retry with the same key
            </button>
          )}
        </section>
      )}
      <AttemptLookup client={client} initialKey={sent?.idempotencyKey ?? ''} />
    </main>
  );
}
