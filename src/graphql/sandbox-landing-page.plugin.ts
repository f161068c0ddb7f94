import type { ApolloServerPlugin, GraphQLServerContext } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { AuthMode } from '../auth/auth.config.js';
import type { GatewayContext } from '../auth/request-context.js';
import { sandboxExampleFor } from './sandbox-example.js';

/**
 * Apollo Sandbox with an example rendered per page load: Apollo's own landing page fixes
 * its document and variables when the server starts, so every developer and every reload
 * got the same idempotencyKey. Apollo calls `html()` for each browser GET, and this builds
 * Apollo's page afresh there with a new key (and, with authentication on, a placeholder for
 * the credential header), keeping Apollo's markup and content security policy.
 */
export function sandboxLandingPagePlugin(options: { authMode: AuthMode }): ApolloServerPlugin<GatewayContext> {
  return {
    async serverWillStart(server: GraphQLServerContext) {
      return {
        async renderLandingPage() {
          return { html: () => renderSandboxPage(server, options.authMode) };
        },
      };
    },
  };
}

async function renderSandboxPage(server: GraphQLServerContext, authMode: AuthMode): Promise<string> {
  const example = sandboxExampleFor(authMode);
  const apolloPage = ApolloServerPluginLandingPageLocalDefault({
    embed: true,
    footer: false,
    document: example.document,
    variables: example.variables,
    headers: example.headers,
  });
  const listener = await apolloPage.serverWillStart?.(server);
  const landingPage = await listener?.renderLandingPage?.();
  if (!landingPage) throw new Error("Apollo's Sandbox landing page rendered nothing");
  return typeof landingPage.html === 'string' ? landingPage.html : landingPage.html();
}
