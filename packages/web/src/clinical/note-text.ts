/** A Composition's note as plain text (its first section's XHTML), and its status as a key. Pure. */
import type { Composition } from '@medplum/fhirtypes';

export function noteText(composition: Composition): string {
  return xhtmlText(composition.section?.[0]?.text?.div ?? '');
}

/** Every section with its code and title, to read a note written in several (a consultation report). */
export function noteSections(composition: Composition): { code?: string; title?: string; text: string }[] {
  return (composition.section ?? [])
    .map((s) => ({
      ...(s.code?.coding?.[0]?.code ? { code: s.code.coding[0].code } : {}),
      ...(s.title ? { title: s.title } : {}),
      text: xhtmlText(s.text?.div ?? ''),
    }))
    .filter((s) => s.text);
}

function xhtmlText(html: string): string {
  return html
    .replace(/<\/p>/g, '\n')
    .replace(/<br\s*\/?>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&')
    .trim();
}

export function noteStatusKey(composition: Composition): 'final' | 'preliminary' | 'amended' {
  if (composition.status === 'amended') return 'amended';
  return composition.status === 'final' ? 'final' : 'preliminary';
}
