/**
 * One form of a login for every comparison — the account lookup (accounts.ts) and the throttle
 * counters (throttle.ts) — so that no spelling of a login reaches an account under counters of its
 * own. Logins are CNIE numbers, INPE numbers or emails: printable ASCII. Anything else is refused
 * rather than folded, because Unicode case rules differ between JavaScript and the database's
 * locale ('İ' lowers to 'i' in one, to 'i̇' in the other); and the database folds the stored login
 * with the same ASCII-only rule (`LOGIN_KEY_SQL`), whatever its locale (a Turkish one lowers 'I' to 'ı').
 */

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The comparable form of a login or email as typed, or undefined if it cannot be one (non-ASCII, empty). */
export function normaliseLogin(raw: string): string | undefined {
  const login = raw.trim();
  if (!/^[\x20-\x7e]+$/.test(login)) return undefined;
  return login.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

/** `normaliseLogin` in SQL, for a stored column (index expressions use it too: migrations.ts). */
export const loginKeySql = (column: string) => `translate(${column}, '${UPPER}', '${UPPER.toLowerCase()}')`;
