import { ERROR_KINDS } from '../errors/error-codes.js';
import { GatewayError } from '../errors/gateway.error.js';
import { InvalidInputError } from '../errors/invalid-input.error.js';
import type { FieldViolation } from './ota-order.validation.js';

/**
 * Domain errors of the orders service. They say what happened to the order, in the
 * gateway's terms; each carries its code from ERROR_KINDS, and the GraphQL error formatter
 * answers with it.
 */

/** The order breaks a rule of the gateway; nothing was sent to CSSS. */
export class InvalidOrderInputError extends InvalidInputError {
  override readonly name = 'InvalidOrderInputError';
  constructor(violations: readonly [FieldViolation, ...FieldViolation[]]) {
    super(violations);
  }
}

/** CSSS refused the order; no order exists. */
export class OrderRejectedError extends GatewayError {
  override readonly name = 'OrderRejectedError';
  readonly kind = ERROR_KINDS.csssRejected;
  constructor(
    readonly csssCode: string,
    readonly csssMessage: string,
  ) {
    super(`CSSS rejected the order (code ${csssCode}): ${csssMessage}`);
  }

  override clientExtensions(): Record<string, unknown> {
    return { csss: { code: this.csssCode, message: this.csssMessage } };
  }
}

/** The order never reached CSSS; retrying is safe. */
export class OrderNotSentError extends GatewayError {
  override readonly name = 'OrderNotSentError';
  readonly kind = ERROR_KINDS.csssUnavailable;
  constructor(options?: { cause?: unknown }) {
    super('CSSS could not be reached, so no order was placed. It is safe to retry.', options);
  }
}

/** The attempt could not be written to the journal, so the order was not sent; retrying is safe. */
export class OrderNotRecordedError extends GatewayError {
  override readonly name = 'OrderNotRecordedError';
  readonly kind = ERROR_KINDS.orderNotRecorded;
  constructor(options?: { cause?: unknown }) {
    super('The order could not be recorded, so it was not sent to CSSS. It is safe to retry later.', options);
  }
}

/**
 * The attempt was journaled, but its request could not leave within the send budget (a slow
 * journal sync, a stalled event loop): it was recorded NOT_SENT and never sent; retrying is safe.
 */
export class OrderNotSentInTimeError extends GatewayError {
  override readonly name = 'OrderNotSentInTimeError';
  readonly kind = ERROR_KINDS.orderNotSentInTime;
  constructor() {
    super('The gateway could not send the order in time, so it was not sent to CSSS. It is safe to retry.');
  }
}

/** The order may or may not exist at CSSS; retrying blindly could order twice. */
export class OrderOutcomeUnknownError extends GatewayError {
  override readonly name = 'OrderOutcomeUnknownError';
  readonly kind = ERROR_KINDS.csssOutcomeUnknown;
  constructor(options?: { cause?: unknown }) {
    super('CSSS did not give a valid answer, so it is unknown whether the order was placed. Check the order before retrying.', options);
  }
}

/** The idempotency key was used before with a different order; nothing was sent. */
export class IdempotencyKeyReusedError extends GatewayError {
  override readonly name = 'IdempotencyKeyReusedError';
  readonly kind = ERROR_KINDS.idempotencyKeyReused;
  constructor() {
    super('This idempotencyKey was already used for a different order. Use a new key for a new order.');
  }

  override clientExtensions(): Record<string, unknown> {
    return { field: 'idempotencyKey' };
  }
}

/** An order with this idempotency key is still being sent; nothing was sent now. */
export class IdempotencyKeyInProgressError extends GatewayError {
  override readonly name = 'IdempotencyKeyInProgressError';
  readonly kind = ERROR_KINDS.idempotencyKeyInProgress;
  constructor() {
    super('An order with this idempotencyKey is still in progress. Retry later with the same key to get its outcome.');
  }
}
