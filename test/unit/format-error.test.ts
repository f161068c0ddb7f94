import { performance } from 'node:perf_hooks';
import { buildSchema, graphql, GraphQLError, type GraphQLFormattedError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { capEchoedValues, ECHO_CAP } from '../../src/graphql/error-message.text.js';
import { formatGatewayError, withoutSuggestions } from '../../src/graphql/format-error.js';
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

/** graphql-js's own errors for these variables, as execution reports them. */
async function variableErrors(variables: Record<string, unknown>): Promise<readonly GraphQLError[]> {
  const schema = buildSchema(
    'enum Kind { DAILY MONTHLY } input Order { days: Int!, kind: Kind! } type Query { price(order: Order!): Int }',
  );
  const result = await graphql({ schema, source: 'query($order: Order!) { price(order: $order) }', variableValues: variables });
  return result.errors ?? [];
}

/** What production answers for an error: the gateway's format, without suggestions. */
const inProduction = (error: GraphQLError): GraphQLFormattedError =>
  withoutSuggestions(formatGatewayError({ message: error.message, extensions: { code: 'BAD_USER_INPUT' } }, error));

/** The least time of a few runs of work, in milliseconds: the run least disturbed by the machine. */
function leastMs(work: () => unknown): number {
  let least = Infinity;
  for (let run = 0; run < 5; run++) {
    const startedAt = performance.now();
    work();
    least = Math.min(least, performance.now() - startedAt);
  }
  return least;
}

describe('echoed values and suggestions', () => {
  const SPACES_64K = ' '.repeat(64 * 1024);

  it('echoes at most about 100 characters of a 64 KiB value graphql-js repeats in its message', async () => {
    const errors = await variableErrors({ order: { days: SPACES_64K, kind: SPACES_64K, [SPACES_64K]: 1 } });
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error.message.length).toBeGreaterThan(64 * 1024);
      const { message, extensions } = inProduction(error);
      expect(message.length).toBeLessThan(4 * ECHO_CAP);
      expect(message).toContain('…');
      expect(extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'order', violations: [{ field: 'order', message }] });
    }
  });

  it('cuts a long quoted value, a long bare run and a long run of spaces, and keeps short ones whole', async () => {
    const [error] = await variableErrors({ order: { days: 'x'.repeat(500), kind: 'DAILY' } });
    const { message } = inProduction(error!);
    expect(message).toBe(`Variable "$order" got an invalid value: Int cannot represent non-integer value: "${'x'.repeat(ECHO_CAP)}…"`);
    const bare = `Int cannot represent non 32-bit signed integer value: ${'9'.repeat(500)}${' '.repeat(500)}end "short"`;
    expect(capEchoedValues(bare)).toBe(
      `Int cannot represent non 32-bit signed integer value: ${'9'.repeat(ECHO_CAP)}…${' '.repeat(ECHO_CAP)}…end "short"`,
    );
  });

  it('takes time in proportion to the message, not its square (64 KiB against 128 KiB of spaces)', () => {
    // Spaces with no suggestion after them made the old pattern /\s*Did you mean [^?]*\?/ retry
    // from every space: seconds for 60,000 of them.
    const errorOf = (size: number): GraphQLError =>
      new GraphQLError(`Variable "$order" got invalid value "${' '.repeat(size)}x${' '.repeat(size)}"; Did you mean "x"?`);
    const small = errorOf(64 * 1024);
    const large = errorOf(128 * 1024);
    const smallMs = leastMs(() => inProduction(small));
    const largeMs = leastMs(() => inProduction(large));
    // Generous bounds: a linear pass takes well under a millisecond here, the quadratic one seconds.
    expect(largeMs).toBeLessThan(50);
    expect(largeMs).toBeLessThan(3 * smallMs + 2);
    expect(inProduction(large).message).not.toContain('Did you mean');
  });

  it('strips suggestions from the message and from every violation in production', async () => {
    const errors = await variableErrors({ order: { days: 1, kind: 'DAIL', dayz: 2 } });
    const formatted = errors.map(inProduction);
    expect(errors.map((error) => error.message).join(' ')).toMatch(/Did you mean/);
    expect(JSON.stringify(formatted)).not.toMatch(/Did you mean|DAILY|"days"/);
  });

  it("tells a production caller that SANDBOX_ENABLED turns introspection on, not Apollo's options", () => {
    const error = new GraphQLError(
      'GraphQL introspection is not allowed by Apollo Server, but the query contained __schema or __type. To enable introspection, pass introspection: true to ApolloServer in production',
    );
    const { message } = formatGatewayError({ message: error.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }, error);
    expect(message).toContain('SANDBOX_ENABLED=true');
    expect(message).not.toContain('ApolloServer');
  });
});
