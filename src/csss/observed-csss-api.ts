import type { Tracer } from '@opentelemetry/api';
import type { Logger } from '../logger.js';
import type { CsssCallResult, GatewayMetrics } from '../observability/metrics.js';
import { withSpan } from '../observability/tracing.js';
import type { CsssApi, CsssCallOptions } from './csss.client.js';
import { CsssOutcomeUnknownError, CsssRejectedError, CsssUnavailableError } from './csss.errors.js';
import { CREATE_OTA_ORDER_PATH, type CreateOtaOrderWireData, type CreateOtaOrderWireRequest } from './csss.wire.js';

/**
 * Measures every CSSS call that is actually made: one log line, the duration histogram
 * and in-flight gauge, and a child span of the GraphQL operation. Nothing the caller sent
 * (ICCID, plan, key) and nothing secret is logged or traced.
 */
export class ObservedCsssApi implements CsssApi {
  constructor(
    private readonly csss: CsssApi,
    private readonly observability: { logger: Logger; metrics: GatewayMetrics; tracer: Tracer },
  ) {}

  createOtaOrder(request: CreateOtaOrderWireRequest, options: CsssCallOptions): Promise<CreateOtaOrderWireData> {
    const { logger, metrics, tracer } = this.observability;
    const { requestInfo } = options;
    return withSpan(
      tracer,
      'csss createOtaOrder',
      { 'csss.endpoint': CREATE_OTA_ORDER_PATH, 'request.id': requestInfo?.requestId ?? '' },
      async (span) => {
        const finish = metrics.startCsssCall();
        const startedAt = performance.now();
        const report = (result: CsssCallResult, detail: Record<string, unknown>): void => {
          const durationMs = Math.round(performance.now() - startedAt);
          finish(result);
          if (requestInfo) requestInfo.csssMs += durationMs;
          span.setAttribute('csss.result', result);
          (requestInfo?.logger ?? logger).info({ csss: { endpoint: 'createOtaOrder', result, durationMs, ...detail } }, 'csss call');
        };
        try {
          const data = await this.csss.createOtaOrder(request, options);
          report('ok', {});
          return data;
        } catch (error) {
          const { result, detail } = describe(error);
          report(result, detail);
          throw error;
        }
      },
    );
  }
}

function describe(error: unknown): { result: CsssCallResult; detail: Record<string, unknown> } {
  if (error instanceof CsssRejectedError) return { result: 'rejected', detail: { code: error.csssCode } };
  if (error instanceof CsssUnavailableError) return { result: 'unavailable', detail: { reason: error.reason } };
  if (error instanceof CsssOutcomeUnknownError) {
    return { result: 'unknown', detail: { reason: error.reason, statusCode: error.statusCode } };
  }
  return { result: 'unknown', detail: { reason: 'unexpected error' } };
}
