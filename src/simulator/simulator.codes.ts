/**
 * The envelope codes the simulator answers with when it refuses a request. CSSS does
 * not publish its table of codes, so these are our own; they are stable so that tests
 * and the README can name them. Success is CSSS_SUCCESS_CODE ('0000') from csss.wire.ts.
 */
export const SIMULATOR_ERROR_CODES = {
  /** Content-Type is not application/json, or the body is too large, not UTF-8, or not a JSON object. */
  badRequest: '1000',
  /** A parameter is missing, has the wrong JSON type, or has the wrong format; the message names it. */
  invalidParameter: '1001',
  /** `access_code` is not the simulator's. */
  invalidAccessCode: '1002',
  /** `version` is not '2.0'. */
  unsupportedVersion: '1003',
  /** `timestamp` is further than maxClockSkewSeconds from the simulator's clock. */
  timestampExpired: '1004',
  /** `sign` does not match the body. */
  invalidSign: '1005',
  /** The "rejected" scenario ICCID: a well-formed request for a SIM CSSS does not know. */
  simNotFound: '2001',
  /** No such endpoint (any path or method other than POST /package/createOtaOrder or /package/queryOrder). */
  notFound: '404',
} as const;

export type SimulatorErrorCode = (typeof SIMULATOR_ERROR_CODES)[keyof typeof SIMULATOR_ERROR_CODES];
