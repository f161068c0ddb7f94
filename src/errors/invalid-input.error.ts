import { ERROR_KINDS } from './error-codes.js';
import { GatewayError } from './gateway.error.js';

/** One problem with one input field, as a client shows it beside that field. */
export interface InputViolation {
  /**
   * Where the problem is, inside the argument or variable: a field of an input object
   * (`deviceId`, or `a.b[0].c` when nested), or the variable's own name when the
   * value as a whole is wrong.
   */
  field: string;
  message: string;
}

/**
 * Every problem with a request's input, answered as one `BAD_USER_INPUT` error whether
 * GraphQL's variable coercion or the gateway's own rules found it: a form can show all
 * of them after one round trip. Nothing was executed, and CSSS was not called.
 */
export class InvalidInputError extends GatewayError {
  override readonly name: string = 'InvalidInputError';
  readonly kind = ERROR_KINDS.invalidInput;
  constructor(readonly violations: readonly [InputViolation, ...InputViolation[]]) {
    super(violations.map((violation) => violation.message).join(' '));
  }

  override clientExtensions(): Record<string, unknown> {
    return {
      field: this.violations[0].field,
      violations: this.violations.map(({ field, message }) => ({ field, message })),
    };
  }
}
