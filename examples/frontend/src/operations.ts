import { graphql } from './gql/index.js';

/** Every operation this app sends. Codegen types them and lists them in the trusted-documents manifest. */
export const PlaceOtaOrder = graphql(`
  mutation PlaceOtaOrder($input: CreateOtaOrderInput!) {
    createOtaOrder(input: $input) {
      orderId
      simId
      orderTime
      replayed
    }
  }
`);

export const OtaOrderAttemptByKey = graphql(`
  query OtaOrderAttemptByKey($idempotencyKey: String!) {
    otaOrderAttempt(idempotencyKey: $idempotencyKey) {
      status
      order {
        orderId
        simId
        orderTime
        replayed
      }
      csssCode
      csssMessage
    }
  }
`);
