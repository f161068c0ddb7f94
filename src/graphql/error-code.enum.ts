import { GraphQLEnumType } from 'graphql';
import { RESPONSE_ERROR_CODE_DOCS } from '../errors/error-codes.js';

/**
 * Every `extensions.code` as a schema enum, built from the same table the server answers
 * with, so clients generate a type for it instead of writing a union by hand. No field
 * returns it: it is added to the schema as a type of its own (see buildGatewaySchema).
 */
export const ErrorCodeEnum = new GraphQLEnumType({
  name: 'ErrorCode',
  description:
    'The `extensions.code` of every error this API answers with. Branch on the code, never on the message. ' +
    'Besides `code`, an error carries `requestId` (the `x-request-id` of the response, for support) and, per code, the extensions named in its description.',
  values: Object.fromEntries(
    Object.entries(RESPONSE_ERROR_CODE_DOCS).map(([code, doc]) => [
      code,
      { value: code, description: doc.extensions ? `${doc.description} Extensions: ${doc.extensions}` : doc.description },
    ]),
  ),
});
