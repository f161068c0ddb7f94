import { isEnumType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { GATEWAY_ERROR_CODES, ERROR_KINDS, httpAnswerOf, RESPONSE_ERROR_CODES } from '../../src/errors/error-codes.js';
import { buildGatewaySchema, type SchemaServices } from '../../src/graphql/schema.js';

describe('the error table', () => {
  it('is published whole as the documented ErrorCode enum of the schema', async () => {
    const schema = await buildGatewaySchema({} as SchemaServices);
    const errorCode = schema.getType('ErrorCode');
    expect(isEnumType(errorCode)).toBe(true);
    if (!isEnumType(errorCode)) return;
    expect(
      errorCode
        .getValues()
        .map((value) => value.name)
        .sort(),
    ).toEqual([...RESPONSE_ERROR_CODES].sort());
    for (const value of errorCode.getValues()) expect(value.description, value.name).toMatch(/\S{3,}/);
    expect(errorCode.getValue('CSSS_REJECTED')?.description).toContain('`csss`');
    expect(errorCode.getValue('RATE_LIMITED')?.description).toContain('`retryAfterSeconds`');
    expect(errorCode.getValue('BAD_USER_INPUT')?.description).toContain('`violations`');
    expect(errorCode.description).toContain('`requestId`');
  });

  it('gives every kind a published code, and headers only with a status', () => {
    for (const [name, kind] of Object.entries(ERROR_KINDS)) {
      expect(RESPONSE_ERROR_CODES, name).toContain(kind.code);
      if (!('status' in kind)) expect(httpAnswerOf(kind), name).toBeUndefined();
    }
    expect(GATEWAY_ERROR_CODES).toContain('SERVICE_UNAVAILABLE');
  });

  it('answers over HTTP with the kind status, its headers, and Retry-After from the error or the kind', () => {
    expect(httpAnswerOf(ERROR_KINDS.unauthenticated)).toEqual({ status: 401, headers: [['www-authenticate', 'Bearer, ApiKey']] });
    expect(httpAnswerOf(ERROR_KINDS.credentialsUncheckable)).toEqual({ status: 503, headers: [['retry-after', '5']] });
    expect(httpAnswerOf(ERROR_KINDS.rateLimited, 7)).toEqual({ status: 429, headers: [['retry-after', '7']] });
    // Issue 12: an order the journal could not record is 503 with Retry-After, like every other SERVICE_UNAVAILABLE.
    expect(httpAnswerOf(ERROR_KINDS.orderNotRecorded)).toEqual({ status: 503, headers: [['retry-after', '5']] });
    expect(httpAnswerOf(ERROR_KINDS.invalidInput)).toEqual({ status: 400, headers: [] });
    expect(httpAnswerOf(ERROR_KINDS.requestRateLimited, 2)).toEqual({ status: 429, headers: [['retry-after', '2']] });
    expect(httpAnswerOf(ERROR_KINDS.requestBodyStalled)).toEqual({ status: 408, headers: [] });
    expect(httpAnswerOf(ERROR_KINDS.requestTargetMalformed)).toEqual({ status: 400, headers: [] });
  });
});
