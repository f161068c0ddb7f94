/**
 * What createHmac costs per call with each kind of key, in one run: the CSSS sign and the
 * API-key check each make one HMAC per order. On Node 24 a Buffer key pays a failed key
 * check on every call; a string or a KeyObject made once does not.
 * Run: `npm run build && tsc -p bench/tsconfig.json && node dist/bench/hmac-key.js`.
 */
import { createHmac, createSecretKey, type BinaryLike, type KeyObject } from 'node:crypto';
import { EXAMPLE_ORDER_INPUT } from '../src/orders/ota-order.example.js';

const CALLS = 200_000;
const secret = 'partner-secret-0123456789abcdef';
const canonical = JSON.stringify({ ...EXAMPLE_ORDER_INPUT, access_code: 'QY-000001', timestamp: '1662628450', version: '2.0' });
const keyObject = createSecretKey(Buffer.from(secret, 'utf8'));

/** Each case gives the key for one call, as the code under test does. */
const cases: Array<[string, () => BinaryLike | KeyObject]> = [
  ['Buffer made per call (before)', () => Buffer.from(secret, 'utf8')],
  ['string (the CSSS sign now)', () => secret],
  ['KeyObject made once (API keys now)', () => keyObject],
];

function microsPerCall(keyForCall: () => BinaryLike | KeyObject): number {
  const once = (): string => createHmac('sha1', keyForCall()).update(canonical, 'utf8').digest('base64');
  for (let i = 0; i < CALLS / 10; i += 1) once();
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i += 1) once();
  return Number(process.hrtime.bigint() - started) / CALLS / 1_000;
}

process.stdout.write(`Node ${process.version}, ${CALLS} HMAC-SHA1 calls per case\n`);
for (const [name, keyForCall] of cases) process.stdout.write(`${name.padEnd(36)} ${microsPerCall(keyForCall).toFixed(2)} µs\n`);
