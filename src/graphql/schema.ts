import 'reflect-metadata';
import { GraphQLSchema, printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import type { OrderAccessPolicy } from '../auth/order-access-policy.js';
import type { GatewayContext } from '../auth/request-context.js';
import type { CreateOtaOrderInput } from '../orders/create-ota-order.input.js';
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
  const orderResolver = new OtaOrderResolver(services.orders, services.orderAccess, services.recordOrderOutcome);
  const instances = new Map<unknown, unknown>([
    [OtaOrderResolver, orderResolver],
    [GatewayResolver, new GatewayResolver(services.info)],
  ]);
  const schema = await buildSchema({
    resolvers: [OtaOrderResolver, GatewayResolver],
    container: { get: (resolverClass: unknown) => instances.get(resolverClass) },
    validate: false,
  });
  callDirectly(schema, 'createOtaOrder', (args, context) => orderResolver.createOtaOrder(args['input'] as CreateOtaOrderInput, context));
  const config = schema.toConfig();
  return new GraphQLSchema({ ...config, types: [...config.types, ErrorCodeEnum] });
}

/**
 * Resolves a mutation by calling its method straight away. type-graphql's handler copies
 * every input object into an instance of its class on every call (walking the fields'
 * metadata each time) and resolves the parameters through its middleware machinery; with
 * no middlewares, no validation and a method that only reads the input's fields, the
 * answer is the same without that work. The schema type-graphql built stays as it is.
 */
function callDirectly(
  schema: GraphQLSchema,
  mutation: string,
  resolve: (args: Record<string, unknown>, context: GatewayContext) => Promise<unknown>,
): void {
  const field = schema.getMutationType()?.getFields()[mutation];
  if (!field) throw new Error(`the schema has no mutation ${mutation}`);
  field.resolve = (_root, args: Record<string, unknown>, context: GatewayContext) => resolve(args, context);
}

/**
 * The SDL committed as schema/schema.graphql. Fields keep their declared order, so
 * Sandbox and generated types list an order's fields as the contract does.
 */
export function printGatewaySchema(schema: GraphQLSchema): string {
  return `${printSchema(schema)}\n`;
}
