/**
 * A resource left as the JSON text the database gave, inside a response the HTTP layer writes.
 *
 * A page of search results was parsed row by row (`JSON.parse` of each stored text) only to be
 * written back into the Bundle by `JSON.stringify`: ~55 µs of node per page of twenty (bench
 * `parse-cost`, docs/performance.md, *A search page's resources written as stored*), for text that
 * was already what the answer holds — the store keeps each content as the text `JSON.stringify`
 * wrote (schema version 11). `StoredJson` carries that text; `fhirJson` writes a body holding some
 * with the texts spliced in where `JSON.stringify` would have written the parsed resources.
 *
 * Anything else that serialises such a body — `JSON.stringify` anywhere — gets the same JSON, the
 * text parsed on demand (`toJSON`): slower, never wrong. Code that reads a body's resources as
 * objects must not be given StoredJson: the engine makes it only when the request says its body
 * goes straight to `fhirJson` (FhirRequest.textBodies, set by the HTTP route alone).
 */

export class StoredJson {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  /** Inside fhirJson, a marker where the text goes; anywhere else, the parsed resource. */
  toJSON(): unknown {
    if (!splicing) return JSON.parse(this.text);
    splicing.texts.push(this.text);
    return splicing.marker;
  }
}

/**
 * The texts met by the fhirJson call running, in the order JSON.stringify met them, and the marker
 * that stands for each in its output. A marker starts with a NUL: no string of a response can hold
 * one (the store refuses it in resources, the server in queries and bodies, PostgreSQL in text),
 * and the random part keeps even that from mattering.
 */
let splicing: { texts: string[]; marker: string } | undefined;

/** JSON.stringify(body), each StoredJson written as its text. */
export function fhirJson(body: unknown): string {
  const outer = splicing;
  const current = { texts: [] as string[], marker: `\u0000${Math.random().toString(36).slice(2)}` };
  splicing = current;
  let written: string;
  try {
    written = JSON.stringify(body);
  } finally {
    splicing = outer;
  }
  if (current.texts.length === 0) return written;
  // the markers appear in the output in the order toJSON gave them, each as a JSON string
  const quoted = JSON.stringify(current.marker);
  let out = '';
  let from = 0;
  for (const text of current.texts) {
    const at = written.indexOf(quoted, from);
    if (at < 0) throw new Error('fhirJson: a stored text lost its place');
    out += written.slice(from, at) + text;
    from = at + quoted.length;
  }
  return out + written.slice(from);
}
