/**
 * Time-limited TURN credentials, coturn's REST scheme (`use-auth-secret`): the username is
 * `<expiry unix time>:<user>`, the password base64(HMAC-SHA1(secret, username)). coturn checks the
 * HMAC and the expiry itself, so nothing is shared with it but the secret, and a password copied
 * out of a page stops working when it expires. Pure.
 */
import { createHmac } from 'node:crypto';
import type { TeleconsultSettings } from './settings.ts';

export interface TurnCredential {
  username: string;
  credential: string;
  /** ISO instant after which coturn refuses them. */
  expiresAt: string;
}

export function turnCredential(
  secret: string,
  user: string,
  ttlSeconds: number,
  now = Date.now(),
): TurnCredential {
  const expiry = Math.floor(now / 1000) + Math.floor(ttlSeconds);
  const username = `${expiry}:${user}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt: new Date(expiry * 1000).toISOString() };
}

export interface IceConfiguration {
  iceServers: { urls: string[]; username?: string; credential?: string }[];
  iceTransportPolicy: 'all' | 'relay';
  expiresAt?: string;
}

/** What RTCPeerConnection is given: STUN as configured, TURN with credentials made for `user`. */
export function iceConfiguration(
  settings: TeleconsultSettings,
  user: string,
  now = Date.now(),
): IceConfiguration {
  const servers: IceConfiguration['iceServers'] = [];
  if (settings.stunUrls.length > 0) servers.push({ urls: settings.stunUrls });
  let expiresAt: string | undefined;
  if (settings.turnUrls.length > 0 && settings.turnSecret) {
    const c = turnCredential(settings.turnSecret, user, settings.turnTtlSeconds, now);
    servers.push({ urls: settings.turnUrls, username: c.username, credential: c.credential });
    expiresAt = c.expiresAt;
  }
  return { iceServers: servers, iceTransportPolicy: settings.icePolicy, ...(expiresAt ? { expiresAt } : {}) };
}
