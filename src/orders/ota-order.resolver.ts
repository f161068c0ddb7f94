// type-graphql's decorators need the Reflect metadata API before they run.
import 'reflect-metadata';
import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { OrderAccessPolicy } from '../auth/order-access-policy.js';
import type { GatewayContext } from '../request/gateway-context.js';
import { GATEWAY_ERROR_CODES, ERROR_KINDS } from '../errors/error-codes.js';
import { GatewayError } from '../errors/gateway.error.js';
import type { OrderAttempt } from '../journal/order-journal.js';
import { CreateOtaOrderInput } from './create-ota-order.input.js';
import { OtaOrderAttempt } from './ota-order-attempt.type.js';
import { InvalidOrderInputError } from './ota-order.errors.js';
import { placedOrderOf, type OtaOrderService } from './ota-order.service.js';
import { OtaOrder } from './ota-order.type.js';
import { findIdempotencyKeyViolations } from './ota-order.validation.js';

@Resolver(() => OtaOrder)
export class OtaOrderResolver {
  constructor(
    private readonly orders: OtaOrderService,
    private readonly access: OrderAccessPolicy,
    /** Told `ok`, `replayed` or the error code of every order call, for metrics. */
    private readonly recordOutcome: (outcome: string) => void = () => {},
  ) {}

  @Mutation(() => OtaOrder, {
    description:
      'Orders an OTA data plan for one SIM card through CSSS, exactly once per idempotencyKey: retrying with the same key and order is always safe. ' +
      `Needs the order scope (\`ota:order\` by default). Errors carry \`extensions.code\` (see the ErrorCode enum): ${GATEWAY_ERROR_CODES.join(', ')}.`,
  })
  async createOtaOrder(
    @Arg('input', () => CreateOtaOrderInput, { description: 'The order to place.' }) input: CreateOtaOrderInput,
    @Ctx() context: GatewayContext,
  ): Promise<OtaOrder> {
    const { idempotencyKey, ...order } = input;
    try {
      await this.access.checkOrder(context.principal, context.clientId);
      const placed = await this.orders.placeOrder(order, {
        language: context.language,
        clientId: context.clientId,
        idempotencyKey,
        requestInfo: context.requestInfo,
      });
      this.recordOutcome(placed.replayed ? 'replayed' : 'ok');
      return placed;
    } catch (error) {
      this.recordOutcome(error instanceof GatewayError ? error.code : ERROR_KINDS.internal.code);
      throw error;
    }
  }

  @Query(() => OtaOrderAttempt, {
    nullable: true,
    description:
      'What became of the order sent with this idempotencyKey by the calling client: null when no such order was sent. Use it after a lost response or `CSSS_OUTCOME_UNKNOWN`.',
  })
  async otaOrderAttempt(
    @Arg('idempotencyKey', () => String, { description: 'The key the order was sent with.' }) idempotencyKey: string,
    @Ctx() context: GatewayContext,
  ): Promise<OtaOrderAttempt | null> {
    // A key no order can have (a NUL, say) is the caller's mistake, told as such, and
    // never reaches the journal, whose stores would each treat it their own way.
    const [violation, ...more] = findIdempotencyKeyViolations(idempotencyKey);
    if (violation) throw new InvalidOrderInputError([violation, ...more]);
    const attempt = await this.orders.findAttempt(context.clientId, idempotencyKey);
    return attempt ? toAttemptType(attempt) : null;
  }
}

function toAttemptType(attempt: OrderAttempt): OtaOrderAttempt {
  const placed = placedOrderOf(attempt);
  const order = placed && { ...placed, replayed: true };
  return {
    idempotencyKey: attempt.idempotencyKey,
    status: attempt.status,
    order,
    csssCode: attempt.csssCode,
    csssMessage: attempt.csssMessage,
    createdAt: attempt.createdAt,
    updatedAt: attempt.updatedAt,
  };
}
