/** What a break-the-glass reason must be (the server checks the same: at least 10 characters). Pure. */
export const MIN_REASON = 10;

export function reasonProblem(reason: string): 'reasonMissing' | 'reasonShort' | undefined {
  const text = reason.trim();
  if (!text) return 'reasonMissing';
  if (text.length < MIN_REASON) return 'reasonShort';
  return undefined;
}
