// type-graphql's decorators need the Reflect metadata API before they run.
import 'reflect-metadata';
import { Query, Resolver } from 'type-graphql';

/** Facts about this gateway deployment that a frontend developer may want to see. */
export class GatewayInfo {
  constructor(readonly ordersSimulated: boolean) {}
}

@Resolver()
export class GatewayResolver {
  constructor(private readonly info: GatewayInfo) {}

  @Query(() => Boolean, {
    description:
      'True when this gateway sends orders to its embedded CSSS simulator, so no real plan is ordered and nothing is paid; false when it talks to a real CSSS.',
  })
  ordersSimulated(): boolean {
    return this.info.ordersSimulated;
  }
}
