import 'reflect-metadata';
import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import type { OrderAccessPolicy } from '../auth/order-access-policy.js';
import { OtaOrderResolver } from '../orders/ota-order.resolver.js';
import type { OtaOrderService } from '../orders/ota-order.service.js';
import type { GatewayInfo} from './gateway.resolver.js';
import { GatewayResolver } from './gateway.resolver.js';

export interface SchemaServices {
  orders: OtaOrderService;
  orderAccess: OrderAccessPolicy;
  info: GatewayInfo;
  /** Told the outcome of every order call (`ok`, `replayed` or an error code). */
  recordOrderOutcome?: (outcome: string) => void;
}

/** Builds the executable schema; resolvers get their services through the constructor. */
export async function buildGatewaySchema(services: SchemaServices): Promise<GraphQLSchema> {
  const instances = new Map<unknown, unknown>([
    [OtaOrderResolver, new OtaOrderResolver(services.orders, services.orderAccess, services.recordOrderOutcome)],
    [GatewayResolver, new GatewayResolver(services.info)],
  ]);
  return buildSchema({
    resolvers: [OtaOrderResolver, GatewayResolver],
    container: { get: (resolverClass: unknown) => instances.get(resolverClass) },
    validate: false,
  });
}

/**
 * The SDL committed as schema/schema.graphql. Fields keep their declared order, so
 * Sandbox and generated types list an order's fields as the contract does.
 */
export function printGatewaySchema(schema: GraphQLSchema): string {
  return `${printSchema(schema)}\n`;
}
