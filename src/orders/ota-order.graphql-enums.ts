// type-graphql's decorators need the Reflect metadata API before they run.
import 'reflect-metadata';
import { registerEnumType } from 'type-graphql';
import { ATTEMPT_STATUSES, type AttemptStatus } from '../journal/order-journal.js';
import { PackageType, PayResult, PayType } from './ota-order.model.js';

// Registered once, on import, before the schema is built: type-graphql keeps enums in
// global metadata.

registerEnumType(PackageType, {
  name: 'PackageType',
  description: 'How the data plan is counted. Sent to CSSS as `package_type` "0" to "5".',
  valuesConfig: {
    UNLIMITED_DAILY: { description: 'Unlimited daily plan (CSSS `package_type` "0").' },
    DAILY: { description: 'Daily plan (CSSS `package_type` "1").' },
    MONTHLY: { description: 'Monthly plan (CSSS `package_type` "2").' },
    QUARTERLY: { description: 'Three-month plan (CSSS `package_type` "3").' },
    HALF_YEARLY: { description: 'Six-month plan (CSSS `package_type` "4").' },
    YEARLY: { description: 'Yearly plan (CSSS `package_type` "5").' },
  },
});

registerEnumType(PayResult, {
  name: 'PayResult',
  description: 'Whether the end customer has paid for the plan. Sent to CSSS as `pay_rst`.',
  valuesConfig: {
    UNPAID: { description: 'Not paid yet (CSSS `pay_rst` "1").' },
    PAID: { description: 'Paid (CSSS `pay_rst` "2").' },
  },
});

registerEnumType(PayType, {
  name: 'PayType',
  description: 'How the end customer pays. Sent to CSSS as `pay_type`.',
  valuesConfig: {
    IPAY88: { description: 'iPay88 (CSSS `pay_type` "0").' },
    WECHAT_PAY: { description: 'WeChat Pay (CSSS `pay_type` "1").' },
    ALIPAY: { description: 'Alipay (CSSS `pay_type` "2").' },
  },
});

/** The journal's statuses as a GraphQL enum: derived, so the two can never drift apart. */
export const OtaOrderAttemptStatus = Object.fromEntries(ATTEMPT_STATUSES.map((status) => [status, status])) as {
  [S in AttemptStatus]: S;
};

registerEnumType(OtaOrderAttemptStatus, {
  name: 'OtaOrderAttemptStatus',
  description: 'What became of an order attempt.',
  valuesConfig: {
    PENDING: { description: 'Being sent to CSSS now; ask again shortly.' },
    SUCCEEDED: { description: 'CSSS accepted the order; `order` holds it.' },
    REJECTED: { description: 'CSSS refused the order; `csssCode` and `csssMessage` say why. No order exists.' },
    NOT_SENT: { description: 'CSSS could not be reached; no order exists. A retry with the same key sends it again.' },
    UNKNOWN: {
      description: 'The order may or may not exist at CSSS. It is never sent again under this key; an operator settles it with CSSS.',
    },
  },
});
