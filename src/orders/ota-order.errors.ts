import type { FieldViolation } from './ota-order.validation.js';

/**
 * Domain errors of the orders service. They say what happened to the order, in the
 * gateway's terms; the GraphQL error formatter gives each its stable code.
 */

/** The input breaks a rule; nothing was sent to CSSS. */
export class InvalidOrderInputError extends Error {
  override readonly name = 'InvalidOrderInputError';
  constructor(readonly violations: readonly [FieldViolation, ...FieldViolation[]]) {
    super(violations.map((violation) => violation.message).join(' '));
  }
}

/** CSSS refused the order; no order exists. */
export class OrderRejectedError extends Error {
  override readonly name = 'OrderRejectedError';
  constructor(
    readonly csssCode: string,
    readonly csssMessage: string,
  ) {
    super(`CSSS rejected the order (code ${csssCode}): ${csssMessage}`);
  }
}

/** The order never reached CSSS; retrying is safe. */
export class OrderNotSentError extends Error {
  override readonly name = 'OrderNotSentError';
  constructor(options?: { cause?: unknown }) {
    super('CSSS could not be reached, so no order was placed. It is safe to retry.', options);
  }
}

/** The attempt could not be written to the journal, so the order was not sent; retrying is safe. */
export class OrderNotRecordedError extends Error {
  override readonly name = 'OrderNotRecordedError';
  constructor(options?: { cause?: unknown }) {
    super('The order could not be recorded, so it was not sent to CSSS. It is safe to retry later.', options);
  }
}

/** The order may or may not exist at CSSS; retrying blindly could order twice. */
export class OrderOutcomeUnknownError extends Error {
  override readonly name = 'OrderOutcomeUnknownError';
  constructor(options?: { cause?: unknown }) {
    super(
      'CSSS did not give a valid answer, so it is unknown whether the order was placed. Check the order before retrying.',
      options,
    );
  }
}

/** The idempotency key was used before with a different order; nothing was sent. */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';
  constructor() {
    super('This idempotencyKey was already used for a different order. Use a new key for a new order.');
  }
}

/** An order with this idempotency key is still being sent; nothing was sent now. */
export class IdempotencyKeyInProgressError extends Error {
  override readonly name = 'IdempotencyKeyInProgressError';
  constructor() {
    super('An order with this idempotencyKey is still in progress. Retry later with the same key to get its outcome.');
  }
}
