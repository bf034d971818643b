/**
 * Authentication as a Fastify plugin: an `onRequest` hook verifies the credentials of every request
 * once (authenticator.ts) and decorates the request with the outcome. It never throws for bad
 * credentials — it records them in `authError` — so that later `onRequest` steps (the rate limit,
 * keyed on `principal`) still see and count the request; whoever needs a caller answers with
 * `authError` (Authenticator.authenticate does). Registered at the root (not encapsulated), so it
 * runs for every route, also those of plugins registered earlier.
 */
import type { FhirError } from '@sahti/fhir';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../kernel/principal.ts';
import { type Authenticator, recordAuthentication } from './authenticator.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller (bearer token or web session); undefined when anonymous or refused. */
    principal: Principal | undefined;
    /** Why the credentials were refused (401 bad token, 403 missing CSRF token); else undefined. */
    authError: FhirError | undefined;
  }
}

export interface AuthenticationOptions {
  authenticator: Authenticator;
}

async function authentication(app: FastifyInstance, options: AuthenticationOptions): Promise<void> {
  if (app.hasRequestDecorator('principal')) return; // registered already: one hook is enough
  app.decorateRequest('principal', undefined);
  app.decorateRequest('authError', undefined);
  app.addHook('onRequest', async (request) => {
    recordAuthentication(request, await options.authenticator.resolve(request));
  });
}

/** `app.register(authenticationPlugin, { authenticator })`; the hook applies to the whole app. */
export const authenticationPlugin = Object.assign(authentication, {
  // what fastify-plugin sets: do not encapsulate, so the hook and decorations reach every route
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'sahti-authentication',
});
