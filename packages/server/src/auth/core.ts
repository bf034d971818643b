/** What the auth routes and the authenticator share: the database, settings, keys, messages, throttle. */
import type { SqlClient } from '@sahti/fhir';
import type { AuthConfig } from './config.ts';
import { SigningKeys } from './keys.ts';
import { MessageSender } from './messages.ts';
import { SessionCache } from './session-cache.ts';
import { CredentialThrottle } from './throttle.ts';
import { VerifiedTokenCache } from './token-cache.ts';

export interface AuthCore {
  db: SqlClient;
  config: AuthConfig;
  keys: SigningKeys;
  messages: MessageSender;
  throttle: CredentialThrottle;
  tokenCache: VerifiedTokenCache;
  sessionCache: SessionCache;
}

/**
 * One key cache, one verified-token cache and one session cache per database, so that the routes,
 * the authentication hook and any other authenticator of the same platform share them (the caches
 * take `tokenCacheSeconds` from the first configuration seen; a platform has only one).
 */
const sharedByDatabase = new WeakMap<
  SqlClient,
  { keys: SigningKeys; tokenCache: VerifiedTokenCache; sessionCache: SessionCache }
>();

export function authCore(db: SqlClient, config: AuthConfig): AuthCore {
  let shared = sharedByDatabase.get(db);
  if (!shared) {
    shared = {
      keys: new SigningKeys(db, config.secretKey),
      tokenCache: new VerifiedTokenCache({ ttlSeconds: config.tokenCacheSeconds }),
      sessionCache: new SessionCache({ ttlSeconds: config.tokenCacheSeconds }),
    };
    sharedByDatabase.set(db, shared);
  }
  return {
    db,
    config,
    ...shared,
    messages: new MessageSender(db, config),
    throttle: new CredentialThrottle(db, config.lockout),
  };
}
