/** Every route of identity and tokens, and the authentication hook, as one registration for the platform. */
import fastifyCookie from '@fastify/cookie';
import type { SqlClient } from '@sahti/fhir';
import type { FastifyInstance } from 'fastify';
import { registerAdminAccountRoutes } from './admin-account-routes.ts';
import { authenticationPlugin } from './authentication-plugin.ts';
import { createAuthenticator } from './authenticator.ts';
import { registerCodeRoutes } from './code-routes.ts';
import type { AuthConfig } from './config.ts';
import { authCore } from './core.ts';
import { removeDemoAccounts } from './demo-accounts.ts';
import { registerDiscoveryRoutes } from './discovery.ts';
import { registerAuthorizeRoute } from './oauth-authorize.ts';
import { registerTokenRoute } from './oauth-token.ts';
import { registerSessionRoutes, type SessionEvent } from './session-routes.ts';
import { registerUnlockRoutes } from './unlock-routes.ts';

export interface AuthRouteDeps {
  db: SqlClient;
  config: AuthConfig;
  /** Told of every login attempt and logout, for the audit trail. */
  onSessionEvent?: (event: SessionEvent) => void;
}

/**
 * The authentication hook (`request.principal`, `request.authError` on every request; a no-op if
 * the platform registered authenticationPlugin itself), /auth/* (sessions, codes, unlock, TOTP),
 * /oauth2/* (authorize, token) and /.well-known/*. Outside demo mode, removes any demo account or
 * client left in the database by an earlier demo start.
 */
export async function registerAuthRoutes(app: FastifyInstance, deps: AuthRouteDeps): Promise<void> {
  const core = authCore(deps.db, deps.config);
  const authenticator = createAuthenticator(deps.db, deps.config);
  await app.register(authenticationPlugin, { authenticator });
  if (!deps.config.demoMode) await removeDemoAccounts(deps.db);
  await app.register(fastifyCookie);
  registerSessionRoutes(app, core, deps.onSessionEvent);
  registerCodeRoutes(app, core);
  registerUnlockRoutes(app, core, authenticator);
  registerAdminAccountRoutes(app, core);
  registerAuthorizeRoute(app, core);
  registerTokenRoute(app, core);
  registerDiscoveryRoutes(app, core);
  app.addHook('onClose', async () => core.messages.close());
}
