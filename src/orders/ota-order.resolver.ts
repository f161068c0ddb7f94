// type-graphql's decorators need the Reflect metadata API before they run.
import 'reflect-metadata';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { GatewayContext } from '../graphql/context.js';
import { CreateOtaOrderInput } from './create-ota-order.input.js';
import type { OtaOrderService } from './ota-order.service.js';
import { OtaOrder } from './ota-order.type.js';

@Resolver(() => OtaOrder)
export class OtaOrderResolver {
  constructor(private readonly orders: OtaOrderService) {}

  @Mutation(() => OtaOrder, {
    description:
      'Orders an OTA data plan for one SIM card through CSSS. Places a paid order: a retry after `CSSS_OUTCOME_UNKNOWN` may order twice. Errors carry `extensions.code`: BAD_USER_INPUT, CSSS_REJECTED, CSSS_UNAVAILABLE, CSSS_OUTCOME_UNKNOWN or INTERNAL_SERVER_ERROR.',
  })
  async createOtaOrder(
    @Arg('input', () => CreateOtaOrderInput, { description: 'The order to place.' }) input: CreateOtaOrderInput,
    @Ctx() context: GatewayContext,
  ): Promise<OtaOrder> {
    return this.orders.placeOrder(input, { language: context.language });
  }
}
