import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { formatGatewayError } from '../../src/graphql/format-error.js';
import {
  InvalidOrderInputError,
  OrderNotSentError,
  OrderOutcomeUnknownError,
  OrderRejectedError,
} from '../../src/orders/ota-order.errors.js';

const asResolverError = (error: Error): GraphQLError => new GraphQLError(error.message, { path: ['createOtaOrder'], originalError: error });

const formatted = (error: GraphQLError): GraphQLFormattedError => ({
  ...error.toJSON(),
  extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at secret place'] },
});

function format(error: Error): GraphQLFormattedError {
  const graphqlError = asResolverError(error);
  return formatGatewayError(formatted(graphqlError), graphqlError);
}

describe('error formatting', () => {
  it('gives invalid input BAD_USER_INPUT with the first field and every violation', () => {
    const result = format(
      new InvalidOrderInputError([
        { field: 'days', message: 'days must be an integer from 1 to 3660.' },
        { field: 'mcc', message: 'mcc must be exactly 3 ASCII digits (0-9), or null to leave it out.' },
      ]),
    );
    expect(result.extensions).toStrictEqual({
      code: 'BAD_USER_INPUT',
      field: 'days',
      violations: [
        { field: 'days', message: 'days must be an integer from 1 to 3660.' },
        { field: 'mcc', message: 'mcc must be exactly 3 ASCII digits (0-9), or null to leave it out.' },
      ],
    });
    expect(result.path).toEqual(['createOtaOrder']);
  });

  it('gives a CSSS rejection CSSS_REJECTED with the code and message as CSSS sent them', () => {
    const result = format(new OrderRejectedError('2001', 'SIM卡不存在'));
    expect(result.extensions).toStrictEqual({ code: 'CSSS_REJECTED', csss: { code: '2001', message: 'SIM卡不存在' } });
    expect(result.message).toContain('2001');
  });

  it('gives an order that was never sent CSSS_UNAVAILABLE', () => {
    expect(format(new OrderNotSentError()).extensions).toStrictEqual({ code: 'CSSS_UNAVAILABLE' });
  });

  it('gives an order with an unknown outcome CSSS_OUTCOME_UNKNOWN', () => {
    expect(format(new OrderOutcomeUnknownError()).extensions).toStrictEqual({ code: 'CSSS_OUTCOME_UNKNOWN' });
  });

  it('masks anything else as INTERNAL_SERVER_ERROR without message or stack trace', () => {
    const result = format(new Error('secret=hunter2 leaked'));
    expect(result).toStrictEqual({
      message: 'Internal server error',
      locations: undefined,
      path: ['createOtaOrder'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('lets request errors keep their message and code but drops everything else', () => {
    const error = new GraphQLError('Syntax Error: Expected Name, found <EOF>.');
    const result = formatGatewayError({ message: error.message, extensions: { code: 'GRAPHQL_PARSE_FAILED', stacktrace: ['x'] } }, error);
    expect(result).toStrictEqual({
      message: 'Syntax Error: Expected Name, found <EOF>.',
      locations: undefined,
      path: undefined,
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
  });
});
