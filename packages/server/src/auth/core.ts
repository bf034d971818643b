/** What the auth routes and the authenticator share: the database, settings, keys, messages, throttle. */
import type { SqlClient } from '@sahti/fhir';
import type { AuthConfig } from './config.ts';
import { SigningKeys } from './keys.ts';
import { MessageSender } from './messages.ts';
import { LoginThrottle } from './throttle.ts';

export interface AuthCore {
  db: SqlClient;
  config: AuthConfig;
  keys: SigningKeys;
  messages: MessageSender;
  throttle: LoginThrottle;
}

/** One key cache per database, so the routes and the authenticator load the key once. */
const keysByDatabase = new WeakMap<SqlClient, SigningKeys>();

export function authCore(db: SqlClient, config: AuthConfig): AuthCore {
  let keys = keysByDatabase.get(db);
  if (!keys) {
    keys = new SigningKeys(db, config.secretKey);
    keysByDatabase.set(db, keys);
  }
  return {
    db,
    config,
    keys,
    messages: new MessageSender(db, config),
    throttle: new LoginThrottle(db, config.lockout),
  };
}
