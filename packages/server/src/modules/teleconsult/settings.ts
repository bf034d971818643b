/** Teleconsultation settings, read once from the environment (see docs/operations.md). */

export interface TeleconsultSettings {
  /** STUN servers handed to browsers (`stun:host:port`), no credentials. */
  stunUrls: string[];
  /** TURN servers (`turn:host:3478?transport=udp`, `turns:…`), used with time-limited credentials. */
  turnUrls: string[];
  /** coturn's `static-auth-secret` (use-auth-secret): the credentials are computed from it. */
  turnSecret?: string;
  /** How long TURN credentials stay valid. */
  turnTtlSeconds: number;
  /** `relay` sends all media through TURN (hides addresses; tests prove coturn carries it). */
  icePolicy: 'all' | 'relay';
  /** How early before the appointment the patient may check in and the call may start. */
  earlyMinutes: number;
  /** How long after the appointment's end the consultation can still be joined. */
  lateMinutes: number;
  /** Largest document exchanged during a consultation. */
  documentMaxBytes: number;
}

export function readTeleconsultSettings(env: NodeJS.ProcessEnv = process.env): TeleconsultSettings {
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  const number = (name: string, fallback: number, minimum: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value < minimum) throw new Error(`${name} must be a number ≥ ${minimum}`);
    return value;
  };
  const turnUrls = list(env.SAHTI_TURN_URLS);
  for (const url of turnUrls)
    if (!/^turns?:/.test(url)) throw new Error(`SAHTI_TURN_URLS: "${url}" is not a turn: or turns: URL`);
  const stunUrls = list(env.SAHTI_STUN_URLS);
  for (const url of stunUrls)
    if (!/^stuns?:/.test(url)) throw new Error(`SAHTI_STUN_URLS: "${url}" is not a stun: URL`);
  const policy = (env.SAHTI_ICE_POLICY ?? 'all').toLowerCase();
  if (policy !== 'all' && policy !== 'relay') throw new Error('SAHTI_ICE_POLICY must be all or relay');
  if (turnUrls.length > 0 && !env.SAHTI_TURN_SECRET)
    throw new Error('SAHTI_TURN_URLS needs SAHTI_TURN_SECRET (coturn static-auth-secret)');
  return {
    stunUrls,
    turnUrls,
    turnSecret: env.SAHTI_TURN_SECRET || undefined,
    turnTtlSeconds: number('SAHTI_TURN_TTL_SECONDS', 4 * 3600, 60),
    icePolicy: policy,
    earlyMinutes: number('SAHTI_TELECONSULT_EARLY_MINUTES', 60, 0),
    lateMinutes: number('SAHTI_TELECONSULT_LATE_MINUTES', 12 * 60, 0),
    documentMaxBytes: number('SAHTI_TELECONSULT_DOCUMENT_MAX_BYTES', 10 * 1024 * 1024, 1024),
  };
}
