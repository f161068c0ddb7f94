/**
 * The floor's way of calling CSSS, shared with bare-apollo so both pay exactly the same:
 * the gateway's sign() and global parameters, an undici Pool as large as the gateway's, one
 * POST, the JSON envelope read back. No deadline race, no response cap, no error mapping.
 */
import { Pool } from 'undici';
import { DEFAULT_CSSS_MAX_IN_FLIGHT } from '../src/config.js';
import { CREATE_OTA_ORDER_PATH, CSSS_SUCCESS_CODE, type CreateOtaOrderWireRequest, type CsssLanguage } from '../src/csss/csss.wire.js';
import { signedParams } from './order.js';

const TIMEOUT_MS = 10_000;

/** What a bench server answers with: the order, or why CSSS did not place it. */
export type UndiciOrderResult =
  { ok: true; order: { simId: unknown; orderId: unknown; orderTime: unknown } } | { ok: false; message: string };

interface Envelope {
  code?: unknown;
  success?: unknown;
  message?: unknown;
  data?: { sim_id?: unknown; order_id?: unknown; order_time?: unknown } | null;
}

export function createUndiciCsssCall(settings: { baseUrl: string; accessCode: string; secret: string }): {
  /** Throws when the call fails. */
  createOtaOrder(wire: CreateOtaOrderWireRequest, language: CsssLanguage): Promise<UndiciOrderResult>;
  close(): Promise<void>;
} {
  const csssUrl = new URL(settings.baseUrl);
  const csssPath = csssUrl.pathname.replace(/\/+$/, '') + CREATE_OTA_ORDER_PATH;
  const pool = new Pool(csssUrl.origin, {
    // The gateway's pool: as many connections as its default CSSS_MAX_IN_FLIGHT.
    connections: DEFAULT_CSSS_MAX_IN_FLIGHT,
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
  });
  return {
    async createOtaOrder(wire, language) {
      const body = JSON.stringify(signedParams(wire, settings.accessCode, settings.secret));
      const response = await pool.request({
        path: csssPath,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'accept-language': language },
        body,
      });
      const envelope = (await response.body.json()) as Envelope;
      const data = envelope.data;
      if (response.statusCode !== 200 || envelope.code !== CSSS_SUCCESS_CODE || envelope.success !== true || !data) {
        return { ok: false, message: `CSSS answered ${response.statusCode} ${String(envelope.code)}` };
      }
      return { ok: true, order: { simId: data.sim_id, orderId: data.order_id, orderTime: data.order_time } };
    },
    close: () => pool.close(),
  };
}
