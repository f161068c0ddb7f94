import { randomUUID } from 'node:crypto';
import type { AuthMode } from '../auth/auth.config.js';
import { EXAMPLE_ORDER_INPUT } from '../orders/ota-order.example.js';

/**
 * The operation Apollo Sandbox opens with. Codegen validates it against the schema
 * (see codegen.yml), so a schema change that breaks it fails the drift check.
 */
export const SANDBOX_EXAMPLE_OPERATION = /* GraphQL */ `
  mutation OrderOtaPlanExample($input: CreateOtaOrderInput!) {
    createOtaOrder(input: $input) {
      simId
      orderId
      orderTime
      replayed
    }
  }
`;

/** What Sandbox opens with on one page load. */
export interface SandboxExample {
  document: string;
  variables: { input: Record<string, unknown> };
  /** Placeholders for the credential header, when the gateway requires one. */
  headers: Record<string, string>;
}

/** Token68-shaped, so the gateway answers a forgotten placeholder with a plain 401. */
const CREDENTIAL_PLACEHOLDERS = {
  jwt: { Authorization: 'Bearer PASTE_YOUR_JWT_HERE' },
  apikey: { 'X-Api-Key': 'PASTE_YOUR_API_KEY_HERE' },
} as const;

function credentialHint(mode: AuthMode): { comment: string[]; headers: Record<string, string> } {
  switch (mode) {
    case 'none':
      return { comment: [], headers: {} };
    case 'jwt':
      return {
        comment: ['This gateway requires a JWT: in Headers below, replace the Authorization placeholder with "Bearer " and your token.'],
        headers: { ...CREDENTIAL_PLACEHOLDERS.jwt },
      };
    case 'apikey':
      return {
        comment: ['This gateway requires an API key: in Headers below, replace the X-Api-Key placeholder with your key.'],
        headers: { ...CREDENTIAL_PLACEHOLDERS.apikey },
      };
    case 'both':
      return {
        comment: [
          'This gateway requires a JWT or an API key: in Headers below, replace the Authorization placeholder with',
          '"Bearer " and your token, or replace that header with X-Api-Key: your API key (one of the two, not both).',
        ],
        headers: { ...CREDENTIAL_PLACEHOLDERS.jwt },
      };
  }
}

/**
 * The example for one page load. Its idempotencyKey is new every time the page is
 * rendered, so each developer and each reload places a new order: one key per server
 * start made every run after the first a replay, and an edited example (say, a rejecting
 * ICCID) an IDEMPOTENCY_KEY_REUSED instead of the error the developer wanted to see.
 * Running it twice on one page shows a replay (`replayed: true`), which is the contract to
 * learn. `orderPeriod` is spelled out so Sandbox shows a defaulted field too.
 */
export function sandboxExampleFor(mode: AuthMode, newKey: () => string = randomUUID): SandboxExample {
  const hint = credentialHint(mode);
  const comment = [
    ...hint.comment,
    'Each load of this page gets a new idempotencyKey: run once to order, run again to see the replay,',
    'reload the page (or change the key) for a new order.',
  ];
  return {
    document: `${comment.map((line) => `# ${line}`).join('\n')}\n${SANDBOX_EXAMPLE_OPERATION.trim()}\n`,
    variables: { input: { idempotencyKey: newKey(), ...EXAMPLE_ORDER_INPUT, orderPeriod: 1 } },
    headers: hint.headers,
  };
}
