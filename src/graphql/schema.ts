import 'reflect-metadata';
import { GraphQLSchema, printSchema } from 'graphql';
import { buildSchema, getMetadataStorage } from 'type-graphql';
import type { OrderAccessPolicy } from '../auth/order-access-policy.js';
import type { GatewayContext } from '../request/gateway-context.js';
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
  assertCalledAs(OtaOrderResolver, mutation, ['arg:input', 'context']);
  field.resolve = (_root, args: Record<string, unknown>, context: GatewayContext) => resolve(args, context);
}

/**
 * Refuses to start when the method's decorated parameters are not what the direct call
 * passes, or when a middleware is attached to it: the direct call would silently skip a
 * new parameter or middleware that type-graphql would have honoured.
 */
function assertCalledAs(resolverClass: abstract new (...args: never[]) => unknown, methodName: string, expected: string[]): void {
  const storage = getMetadataStorage();
  const params = storage.params
    .filter((param) => param.target === resolverClass && param.methodName === methodName)
    .sort((a, b) => a.index - b.index)
    .map((param) =>
      param.kind === 'arg' ? `arg:${param.name}` : param.kind === 'context' && !param.propertyName ? 'context' : param.kind,
    );
  const middlewares = [...storage.middlewares, ...storage.resolverMiddlewares].filter((middleware) => middleware.target === resolverClass);
  if (params.join(',') !== expected.join(',') || middlewares.length > 0) {
    throw new Error(
      `${resolverClass.name}.${methodName} takes (${params.join(', ')})${middlewares.length > 0 ? ' with middlewares' : ''}; ` +
        `callDirectly in src/graphql/schema.ts passes (${expected.join(', ')}): update it`,
    );
  }
}

/**
 * The SDL committed as schema/schema.graphql. Fields keep their declared order, so
 * Sandbox and generated types list an order's fields as the contract does.
 */
export function printGatewaySchema(schema: GraphQLSchema): string {
  return `${printSchema(schema)}\n`;
}
