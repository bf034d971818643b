/** What a break-the-glass reason must be (the server checks the same: at least 10 characters). Pure. */
export const MIN_REASON = 10;

export function reasonProblem(reason: string): 'reasonMissing' | 'reasonShort' | undefined {
  const text = reason.trim();
  if (!text) return 'reasonMissing';
  if (text.length < MIN_REASON) return 'reasonShort';
  return undefined;
}

/** Roles that may break the glass (the server decides the same: doctors, nurses, hub specialists). */
export const BREAK_GLASS_ROLES = ['doctor', 'nurse', 'hub-specialist'];

/**
 * Whether a refused chart should offer emergency access: the server answers a record outside the
 * clinician's care exactly as an unknown one (404), so that nobody learns who is registered; a
 * clinician who may break the glass is offered it, and the grant itself says if there is no one.
 */
export function offersBreakGlass(status: number | undefined, roles: readonly string[]): boolean {
  if (status !== 403 && status !== 404) return false;
  return roles.some((r) => BREAK_GLASS_ROLES.includes(r));
}
