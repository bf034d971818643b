/** A Composition's note as plain text (its first section's XHTML), and its status as a key. Pure. */
import type { Composition } from '@medplum/fhirtypes';

export function noteText(composition: Composition): string {
  const html = composition.section?.[0]?.text?.div ?? '';
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
