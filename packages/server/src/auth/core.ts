/** What the auth routes and the authenticator share: the database, settings, keys, messages, throttle. */
import type { SqlClient } from '@sahti/fhir';
import type { AuthConfig } from './config.ts';
import { SigningKeys } from './keys.ts';
import { MessageSender } from './messages.ts';
import { CredentialThrottle } from './throttle.ts';
import { VerifiedTokenCache } from './token-cache.ts';

export interface AuthCore {
  db: SqlClient;
  config: AuthConfig;
  keys: SigningKeys;
  messages: MessageSender;
  throttle: CredentialThrottle;
  tokenCache: VerifiedTokenCache;
}

/**
 * One key cache and one verified-token cache per database, so that the routes, the
 * authentication hook and any other authenticator of the same platform share them (the cache
 * takes `tokenCacheSeconds` from the first configuration seen; a platform has only one).
 */
const sharedByDatabase = new WeakMap<SqlClient, { keys: SigningKeys; tokenCache: VerifiedTokenCache }>();

export function authCore(db: SqlClient, config: AuthConfig): AuthCore {
  let shared = sharedByDatabase.get(db);
  if (!shared) {
    shared = {
      keys: new SigningKeys(db, config.secretKey),
      tokenCache: new VerifiedTokenCache({ ttlSeconds: config.tokenCacheSeconds }),
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
