import { handlingOf } from './error-handling.js';
import type { OrderOutcome } from './place-order.js';

/** What became of the order, in words, with what the person can do next. */
export function OutcomeView({ outcome, idempotencyKey }: { outcome: OrderOutcome; idempotencyKey: string }) {
  return (
    <div className={`outcome outcome-${outcome.kind}`} data-kind={outcome.kind} role="status">
      <p className="headline">{headlineOf(outcome)}</p>
      {outcome.kind === 'placed' && (
        <dl>
          <dt>Order</dt>
          <dd data-testid="order-id">{outcome.order.orderId}</dd>
          <dt>SIM</dt>
          <dd>{outcome.order.simId}</dd>
          <dt>Ordered at</dt>
          <dd>{outcome.order.orderTime}</dd>
          <dt>Replayed</dt>
          <dd data-testid="replayed">{outcome.order.replayed ? 'yes: the gateway answered the order it had already placed' : 'no'}</dd>
        </dl>
      )}
      {'error' in outcome && outcome.error && <p className="error-code">{outcome.error.code}</p>}
      <p className="key">
        Idempotency key: <code data-testid="idempotency-key">{idempotencyKey}</code>
      </p>
    </div>
  );
}

function headlineOf(outcome: OrderOutcome): string {
  switch (outcome.kind) {
    case 'placed':
      return outcome.order.replayed ? 'Already placed: this is the same order.' : 'Order placed.';
    case 'refused':
      return handlingOf(outcome.error).message;
    case 'not-placed':
      return `Nothing was ordered yet. ${outcome.error ? handlingOf(outcome.error).message : 'Retry with the same key later.'}`;
    case 'unknown':
      return outcome.error
        ? handlingOf(outcome.error).message
        : 'Whether the order was placed is not known yet; look it up with its key before ordering again.';
    case 'network':
      return 'The gateway could not be reached, so it is not known whether the order arrived. Retry with the same key when you are back online: it cannot order twice.';
  }
}
