/** Structural JSON comparison for round-trip tests: key order does not matter, array order does. */

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 80 ? `${s.slice(0, 77)}…` : s;
};

/** The first path where `expected` and `actual` differ, e.g. `name[0].given[1]: "A" ≠ "B"`; undefined if equal. */
export function firstDifference(expected: unknown, actual: unknown, at = ''): string | undefined {
  if (Object.is(expected, actual)) return undefined;
  const where = at || '(root)';
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual))
      return `${where}: ${show(expected)} ≠ ${show(actual)}`;
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      const d = firstDifference(expected[i], actual[i], `${at}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object') {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const key of new Set([...Object.keys(e), ...Object.keys(a)])) {
      const d = firstDifference(e[key], a[key], at ? `${at}.${key}` : key);
      if (d) return d;
    }
    return undefined;
  }
  return `${where}: ${show(expected)} ≠ ${show(actual)}`;
}
