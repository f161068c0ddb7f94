import 'reflect-metadata';
import { GraphQLSchema, printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import type { OrderAccessPolicy } from '../auth/order-access-policy.js';
import { OtaOrderResolver } from '../orders/ota-order.resolver.js';
import type { OtaOrderService } from '../orders/ota-order.service.js';
import { ErrorCodeEnum } from './error-code.enum.js';
import { GatewayResolver, type GatewayInfo } from './gateway.resolver.js';

export interface SchemaServices {
  orders: OtaOrderService;
  orderAccess: OrderAccessPolicy;
  info: GatewayInfo;
  /** Told the outcome of every order call (`ok`, `replayed` or an error code). */
  recordOrderOutcome?: (outcome: string) => void;
}

/**
 * Builds the executable schema; resolvers get their services through the constructor.
 * The ErrorCode enum is added as a type of its own: no field returns it, and it is part
 * of the contract all the same.
 */
export async function buildGatewaySchema(services: SchemaServices): Promise<GraphQLSchema> {
  const instances = new Map<unknown, unknown>([
    [OtaOrderResolver, new OtaOrderResolver(services.orders, services.orderAccess, services.recordOrderOutcome)],
    [GatewayResolver, new GatewayResolver(services.info)],
  ]);
  const schema = await buildSchema({
    resolvers: [OtaOrderResolver, GatewayResolver],
    container: { get: (resolverClass: unknown) => instances.get(resolverClass) },
    validate: false,
  });
  const config = schema.toConfig();
  return new GraphQLSchema({ ...config, types: [...config.types, ErrorCodeEnum] });
}

/**
 * The SDL committed as schema/schema.graphql. Fields keep their declared order, so
 * Sandbox and generated types list an order's fields as the contract does.
 */
export function printGatewaySchema(schema: GraphQLSchema): string {
  return `${printSchema(schema)}\n`;
}
