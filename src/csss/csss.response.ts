import type { Dispatcher } from 'undici';
import { CsssOutcomeUnknownError, CsssRejectedError } from './csss.errors.js';
import { CSSS_SUCCESS_CODE } from './csss.wire.js';
import type { CreateOtaOrderWireData } from './csss.wire.js';
import type { QueryOrderWireData, QueryOrderWireItem } from './query-order.wire.js';

/**
 * Reading and checking what CSSS answered: the status and size of the body, then the
 * envelope, then each endpoint's `data`. Anything unexpected is an outcome unknown, never
 * a guess.
 */

export async function readResponseBody(response: Dispatcher.ResponseData, maxBytes: number): Promise<Buffer> {
  const { statusCode, headers, body } = response;
  // undici's body emits an error when destroyed before its end; without a listener that
  // error would crash the process instead of failing this call.
  body.on('error', ignore);

  if (statusCode < 200 || statusCode > 299) {
    body.destroy();
    // Redirects land here too: following one would send the order a second time.
    throw new CsssOutcomeUnknownError(`HTTP ${statusCode}`, { statusCode });
  }

  const declaredLength = Number(headers['content-length']);
  if (Number.isFinite(declaredLength) && declaredLength > maxBytes) {
    body.destroy();
    throw new CsssOutcomeUnknownError('response body over the size limit');
  }

  // Counting chunk by chunk keeps memory bounded whatever the server sends, declared or not.
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw new CsssOutcomeUnknownError('response body over the size limit');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A rejection's code and message go to the caller, the journal and the logs. CSSS does
 * not document what a sign error says; should it ever quote the sign it expected or the
 * secret, those never travel further.
 */
function scrub(text: string, confidential: readonly string[]): string {
  return confidential.reduce((scrubbed, value) => (value ? scrubbed.split(value).join('[redacted]') : scrubbed), text);
}

/** The `data` of a success envelope; a rejection or anything that is not the envelope throws. */
export function parseEnvelope(raw: Buffer, confidential: readonly string[]): unknown {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(raw));
  } catch {
    // The SyntaxError is not kept as cause: its message quotes the response body.
    throw new CsssOutcomeUnknownError('response is not JSON');
  }

  if (!isRecord(json)) throw new CsssOutcomeUnknownError('response is not the CSSS envelope');
  const { code, success, message = '', data } = json;
  if (typeof code !== 'string' || typeof success !== 'boolean' || typeof message !== 'string') {
    throw new CsssOutcomeUnknownError('response is not the CSSS envelope');
  }

  if (code !== CSSS_SUCCESS_CODE || !success) throw new CsssRejectedError(scrub(code, confidential), scrub(message, confidential));
  return data;
}

export function parseCreateOtaOrderData(data: unknown): CreateOtaOrderWireData {
  if (!isRecord(data) || typeof data.sim_id !== 'string' || typeof data.order_id !== 'string' || typeof data.order_time !== 'string') {
    throw new CsssOutcomeUnknownError('success response lacks sim_id, order_id or order_time');
  }
  return { sim_id: data.sim_id, order_id: data.order_id, order_time: data.order_time };
}

/**
 * A queryOrder page: the page object, and each item's three fields the reconciler relies
 * on as strings. An item without them makes the whole answer unusable rather than
 * silently shorter, since a missing order could turn a `placed` into a `not-found`.
 */
export function parseQueryOrderData(data: unknown): QueryOrderWireData {
  const malformed = (what: string): never => {
    throw new CsssOutcomeUnknownError(`queryOrder response ${what}`);
  };
  if (!isRecord(data)) return malformed('lacks data');
  const { page, package_order: items, package_order_num: count } = data;
  if (!isRecord(page) || !['cur_page_no', 'page_size', 'total_count', 'total_pages'].every((key) => Number.isSafeInteger(page[key]))) {
    return malformed('lacks the page object');
  }
  const list = items ?? [];
  if (!Array.isArray(list)) return malformed('has no package_order list');
  const orders = list.map((item: unknown): QueryOrderWireItem => {
    if (
      !isRecord(item) ||
      typeof item.orderCode !== 'string' ||
      typeof item.orderDate !== 'string' ||
      typeof item.orderStatus !== 'string'
    ) {
      return malformed('lists an order without orderCode, orderDate or orderStatus');
    }
    return item as QueryOrderWireItem;
  });
  return {
    page: page as unknown as QueryOrderWireData['page'],
    package_order_num: Number.isSafeInteger(count) ? (count as number) : orders.length,
    package_order: orders,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ignore(): void {}
