/**
 * Names for the statements callers asked to keep prepared (sql.ts `QueryOptions.prepared`), one per
 * text for a pool or an embedded instance: each connection parses a name the first time it runs it,
 * then only binds and executes. Past `limit` names, a text asked to be prepared is run unnamed.
 */
const MAX_NAMED = 256;

export function statementNames(limit = MAX_NAMED): (text: string) => string | undefined {
  const names = new Map<string, string>();
  return (text) => {
    let name = names.get(text);
    if (name === undefined && names.size < limit) {
      name = `sahti_${names.size + 1}`;
      names.set(text, name);
    }
    return name;
  };
}
