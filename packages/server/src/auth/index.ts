/** Identity and tokens: the public surface of packages/server/src/auth (see README.md). */
export { type Account, createAccount, type NewAccount } from './accounts.ts';
export { addressBucket } from './address.ts';
export { type AuthenticationOptions, authenticationPlugin } from './authentication-plugin.ts';
export { type Authenticator, type AuthOutcome, createAuthenticator } from './authenticator.ts';
export {
  bootstrapSystemClient,
  type ClientToRegister,
  clientToRegister,
  createClient,
  type NewClient,
  type OAuthClient,
  registerClient,
} from './clients.ts';
export { verifySensitiveActionCode } from './code-routes.ts';
export { type AuthConfig, readAuthConfig } from './config.ts';
export {
  DEMO_APP_CLIENT,
  DEMO_PASSWORD,
  DEMO_SYSTEM_CLIENT,
  DEMO_TOTP_SECRET,
  demoStaffLogin,
  seedDemoAccounts,
} from './demo-accounts.ts';
export { AUTH_MIGRATIONS } from './migrations.ts';
export { type AuthRouteDeps, registerAuthRoutes } from './routes.ts';
export {
  type Interaction,
  parseScopes,
  type ResourceScope,
  ROLE_SCOPES,
  type ScopeContext,
  type Scopes,
  scopeAllows,
} from './scopes.ts';
