import type { ApolloServerPlugin, GraphQLServerContext } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { AuthMode } from '../auth/auth.config.js';
import type { GatewayContext } from '../request/gateway-context.js';
import { sandboxExampleFor } from './sandbox-example.js';
import { withSandboxFallback } from './sandbox-fallback.js';

/**
 * Apollo Sandbox with an example rendered per page load: Apollo's own landing page fixes
 * its document and variables when the server starts, so every developer and every reload
 * got the same idempotencyKey. Apollo calls `html()` for each browser GET, and this builds
 * Apollo's page afresh there with a new key (and, with authentication on, a placeholder for
 * the credential header), keeping Apollo's markup and content security policy. Sandbox's
 * telemetry to Apollo is off unless asked for (SANDBOX_TELEMETRY), and the page says what to
 * do when Sandbox cannot load from Apollo's CDN (sandbox-fallback.ts).
 */
export function sandboxLandingPagePlugin(options: { authMode: AuthMode; telemetry: boolean }): ApolloServerPlugin<GatewayContext> {
  return {
    async serverWillStart(server: GraphQLServerContext) {
      return {
        async renderLandingPage() {
          return { html: () => renderSandboxPage(server, options) };
        },
      };
    },
  };
}

async function renderSandboxPage(server: GraphQLServerContext, options: { authMode: AuthMode; telemetry: boolean }): Promise<string> {
  const example = sandboxExampleFor(options.authMode);
  const apolloPage = ApolloServerPluginLandingPageLocalDefault({
    embed: { runTelemetry: options.telemetry },
    footer: false,
    document: example.document,
    variables: example.variables,
    headers: example.headers,
  });
  const listener = await apolloPage.serverWillStart?.(server);
  const landingPage = await listener?.renderLandingPage?.();
  if (!landingPage) throw new Error("Apollo's Sandbox landing page rendered nothing");
  return withSandboxFallback(typeof landingPage.html === 'string' ? landingPage.html : await landingPage.html(), example);
}
