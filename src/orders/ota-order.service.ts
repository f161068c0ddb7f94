import type { CsssApi } from '../csss/csss.client.js';
import { CsssOutcomeUnknownError, CsssRejectedError, CsssUnavailableError } from '../csss/csss.errors.js';
import type { CsssLanguage } from '../csss/csss.wire.js';
import {
  InvalidOrderInputError,
  OrderNotSentError,
  OrderOutcomeUnknownError,
  OrderRejectedError,
} from './ota-order.errors.js';
import type { OtaOrderRequest, PlacedOtaOrder } from './ota-order.model.js';
import { findOrderViolations } from './ota-order.validation.js';
import { fromCreateOtaOrderWire, toCreateOtaOrderWire } from './ota-order.wire-mapping.js';

export interface PlaceOrderOptions {
  /** The language CSSS localizes its messages into. */
  language: CsssLanguage;
}

/** Places OTA orders: validates, maps to CSSS, and says what became of the order. */
export class OtaOrderService {
  constructor(private readonly csss: CsssApi) {}

  async placeOrder(order: OtaOrderRequest, options: PlaceOrderOptions): Promise<PlacedOtaOrder> {
    const [first, ...rest] = findOrderViolations(order);
    if (first) throw new InvalidOrderInputError([first, ...rest]);

    try {
      const data = await this.csss.createOtaOrder(toCreateOtaOrderWire(order), options);
      return fromCreateOtaOrderWire(data);
    } catch (error) {
      if (error instanceof CsssRejectedError) throw new OrderRejectedError(error.csssCode, error.csssMessage);
      if (error instanceof CsssUnavailableError) throw new OrderNotSentError({ cause: error });
      if (error instanceof CsssOutcomeUnknownError) throw new OrderOutcomeUnknownError({ cause: error });
      // Not a CSSS outcome at all (a defect): the formatter masks it as an internal error.
      throw error;
    }
  }
}
