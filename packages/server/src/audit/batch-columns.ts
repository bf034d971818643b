/**
 * How the audit writer sends a batch: each column as ONE text, its values joined by the ASCII record
 * separator (U+001E), split back by PostgreSQL's `string_to_array`. node-postgres writes an array
 * parameter's literal element by element — two regular expressions each, over every quote of every
 * event's JSON — and PostgreSQL then unescapes it; a joined text is sent as it is and split by a scan
 * (docs/performance.md, *The audit batch sent as one text per column*).
 *
 * No value may hold a separator: the writer's columns are numbers, ISO instants, hex hashes,
 * base64url digests, the action and outcome codes, canonical JSON — where every control character
 * is escaped (chain.ts) — and the actor and patient ids, from which auditColumns (event.ts) replaces
 * them. `column` checks anyway (one scan of the short values; JSON texts are not scanned), so that a
 * value that breaks the rule fails the flush rather than shifting the batch's rows.
 *
 *   U+001E  between two values of a column
 *   U+001F  a NULL value
 *   U+001D  between the patients of one event (`listed`, split again for audit_patient)
 */
const VALUE = '\u001e';
const NULL = '\u001f';
const PATIENT = '\u001d';
// biome-ignore lint/suspicious/noControlCharactersInRegex: the separators are exactly what must be found
const RESERVED = /[\u001d-\u001f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the same, but U+001D, which `listed` is made of
const VALUE_RESERVED = /[\u001e\u001f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the same, to replace them
const EVERY_RESERVED = /[\u001d-\u001f]/g;

/**
 * A column's values as one text, starting with a separator: `split` drops the empty first element,
 * so that a column of one empty string is one value, not none (`string_to_array('', …)` is `{}`).
 */
export function column(values: readonly (string | number | null)[], json = false): string {
  const texts: string[] = new Array(values.length + 1);
  texts[0] = '';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null) {
      texts[i + 1] = NULL;
      continue;
    }
    const text = typeof value === 'number' ? String(value) : value;
    if (!json && VALUE_RESERVED.test(text)) throw new Error('an audit column value holds a separator');
    texts[i + 1] = text;
  }
  return texts.join(VALUE);
}

/** One event's patients (two or more: one alone would be ambiguous if empty), for the `listed` column. */
export function listText(patients: readonly string[]): string {
  for (const id of patients) if (RESERVED.test(id)) throw new Error('an audit patient id holds a separator');
  return patients.join(PATIENT);
}

/**
 * A value derived from an event for a column (its actor, its patients) without the separators above:
 * each becomes U+FFFD. Content is never changed — it is what the chain hashes — and verify.ts derives
 * the columns by the same function, so a mended column still matches its content.
 */
export function columnKey(value: string): string {
  return RESERVED.test(value) ? value.replace(EVERY_RESERVED, '\ufffd') : value;
}

/** SQL: parameter `$n` as the text[] it was joined from. */
export function split(n: number): string {
  return `(string_to_array($${n}::text, E'\\x1e', E'\\x1f'))[2:]`;
}

/** SQL: a `listed` value as its patients. */
export function splitList(expression: string): string {
  return `string_to_array(${expression}, E'\\x1d')`;
}
