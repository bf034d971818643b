/** A note's text as the XHTML of a Composition section (escaped, one paragraph per line). Pure. */
export function div(text: string): string {
  const escapeHtml = (s: string) =>
    s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
  const paragraphs = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => `<p>${escapeHtml(l)}</p>`);
  return `<div xmlns="http://www.w3.org/1999/xhtml">${paragraphs.join('') || '<p></p>'}</div>`;
}
