import type { ApolloServerPlugin } from '@apollo/server';
import { trace } from '@opentelemetry/api';
import { OTHER_LABEL, type GatewayMetrics } from '../observability/metrics.js';
import type { GatewayContext } from '../request/gateway-context.js';
import { withRequestId } from '../request/request-id.js';

/**
 * One log line and one metric per GraphQL request, the request id in every error's
 * `extensions`, and the operation's name on its span. Never logs variables or the query.
 */
export function requestObservabilityPlugin(options: { metrics: GatewayMetrics }): ApolloServerPlugin<GatewayContext> {
  const { metrics } = options;
  return {
    async requestDidStart() {
      const startedAt = performance.now();
      return {
        async willSendResponse({ response, contextValue, operationName, operation, request }) {
          const { requestInfo } = contextValue;
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const errors = body?.errors;
          const code = errors?.[0]?.extensions?.code;
          const outcome = typeof code === 'string' ? code : errors?.length ? 'INTERNAL_SERVER_ERROR' : 'ok';
          if (body && errors) body.errors = withRequestId(errors, requestInfo.requestId);
          const name = operationName ?? request.operationName ?? null;
          // Only a name that resolved to an operation of a valid document gets its own
          // label; any other name a client sends is folded into `other`, so made-up names
          // (which never pass validation) cannot use up the label budget.
          metrics.countGraphqlRequest(operation ? operationName : request.operationName ? OTHER_LABEL : undefined, outcome);
          const span = trace.getActiveSpan();
          span?.updateName(`graphql ${operation?.operation ?? 'request'} ${name ?? 'anonymous'}`);
          span?.setAttribute('graphql.operation.name', name ?? 'anonymous');
          span?.setAttribute('graphql.outcome', outcome);
          requestInfo.logger.info(
            {
              clientId: contextValue.clientId,
              operation: name,
              outcome,
              totalMs: Math.round(performance.now() - startedAt),
              csssMs: requestInfo.csssMs,
            },
            'graphql request',
          );
        },
      };
    },
  };
}
