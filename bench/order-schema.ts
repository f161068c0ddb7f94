/**
 * The createOtaOrder mutation as plain SDL, for the bench's Apollo servers (the peer and
 * bare-apollo): the input, enums and defaults of schema/schema.graphql's mutation, so
 * every target accepts and type-checks the same request.
 */
export const BENCH_TYPE_DEFS = `#graphql
  type Query {
    ordersSimulated: Boolean!
  }

  type Mutation {
    createOtaOrder(input: CreateOtaOrderInput!): OtaOrder!
  }

  type OtaOrder {
    simId: String!
    orderId: String!
    orderTime: String!
  }

  input CreateOtaOrderInput {
    deviceId: String!
    packageCode: String!
    packageName: String!
    packageType: PackageType!
    orderPeriod: Int! = 1
    days: Int!
    timingType: String!
    isOpen: Boolean! = false
    globalOrder: Boolean! = false
    payAmount: String!
    payRst: PayResult!
    payType: PayType!
    testFlow: String! = "0"
    testFlowFlag: Boolean! = false
    mcc: String
    "Accepted so that the gateway's request body fits; ignored."
    idempotencyKey: String
  }

  enum PackageType { UNLIMITED_DAILY DAILY MONTHLY QUARTERLY HALF_YEARLY YEARLY }
  enum PayResult { UNPAID PAID }
  enum PayType { IPAY88 WECHAT_PAY ALIPAY }
`;
