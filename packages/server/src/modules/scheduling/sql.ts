/** Escapes LIKE wildcards so a typed value is matched literally. */
export function escapeLikeValue(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
