/** SMART discovery (`/.well-known/smart-configuration`, also under the FHIR base) and the JWKS. */
import type { FastifyInstance } from 'fastify';
import { FHIR_BASE_PATH } from '../kernel/config.ts';
import type { AuthCore } from './core.ts';

export function smartConfiguration(publicUrl: string) {
  return {
    issuer: publicUrl,
    jwks_uri: `${publicUrl}/.well-known/jwks.json`,
    authorization_endpoint: `${publicUrl}/oauth2/authorize`,
    token_endpoint: `${publicUrl}/oauth2/token`,
    grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    response_types_supported: ['code'],
    scopes_supported: [
      'openid',
      'fhirUser',
      'launch/patient',
      'offline_access',
      'online_access',
      'patient/*.cruds',
      'patient/*.rs',
      'patient/*.read',
      'patient/*.write',
      'user/*.cruds',
      'user/*.rs',
      'user/*.read',
      'user/*.write',
      'system/*.cruds',
      'system/*.rs',
      'system/*.read',
      'system/*.write',
    ],
    code_challenge_methods_supported: ['S256'],
    capabilities: [
      'launch-standalone',
      'client-public',
      'client-confidential-symmetric',
      'context-standalone-patient',
      'sso-openid-connect',
      'permission-offline',
      'permission-online',
      'permission-patient',
      'permission-user',
      'permission-v1',
      'permission-v2',
    ],
  };
}

export function registerDiscoveryRoutes(app: FastifyInstance, core: AuthCore): void {
  const smart = async () => smartConfiguration(core.config.publicUrl());
  app.get('/.well-known/smart-configuration', smart);
  app.get(`${FHIR_BASE_PATH}/.well-known/smart-configuration`, smart);
  app.get('/.well-known/jwks.json', async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return core.keys.jwks();
  });
}
