/**
 * Documents exchanged during a consultation: only PDF, PNG and JPEG, recognised by their first
 * bytes (never by name or declared type), within a size limit; PDFs carrying active content
 * (JavaScript, launch actions, additional actions, embedded files) are refused. Pure.
 * Not seen: names inside compressed streams (object streams, /ObjStm, are legitimate and common,
 * so their content — JavaScript included — is not inspected; the download's sandboxing headers
 * and the reader's own policy are the remaining defence).
 */
import { createHash } from 'node:crypto';
import type { DocumentReference } from '@medplum/fhirtypes';

export const DOCUMENT_TYPES = ['application/pdf', 'image/png', 'image/jpeg'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export function detectType(bytes: Uint8Array): DocumentType | undefined {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'application/pdf'; // %PDF-
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  return undefined;
}

/**
 * Names in a PDF that make it run something when opened. /OpenAction alone (open at page 1) is
 * common and harmless; one that runs JavaScript or launches something names /JS or /Launch too.
 */
const ACTIVE_NAMES = new Set([
  'JavaScript',
  'JS',
  'Launch',
  'AA',
  'EmbeddedFile',
  'EmbeddedFiles',
  'RichMedia',
  'XFA',
]);

/**
 * The PDF's names (`/Name` tokens) as a reader decodes them: `#xx` is a byte in hexadecimal, so
 * `/J#61vaScript` is `/JavaScript` (PDF 32000-1 §7.3.5). Delimiters and white space end a name.
 */
export function pdfNames(text: string): string[] {
  return (text.match(/\/[^\0\t\n\f\r /[\]()<>{}%]*/g) ?? []).map((name) =>
    name.slice(1).replace(/#([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
  );
}

const hasActiveContent = (bytes: Uint8Array): boolean =>
  pdfNames(Buffer.from(bytes).toString('latin1')).some((name) => ACTIVE_NAMES.has(name));

export type DocumentProblem = 'empty' | 'too-large' | 'type' | 'active-content';

export function documentProblem(bytes: Uint8Array, maxBytes: number): DocumentProblem | undefined {
  if (bytes.length === 0) return 'empty';
  if (bytes.length > maxBytes) return 'too-large';
  const type = detectType(bytes);
  if (!type) return 'type';
  if (type === 'application/pdf' && hasActiveContent(bytes)) return 'active-content';
  return undefined;
}

/**
 * A file name safe to show and to send back in Content-Disposition. Anything but one string (no
 * name, `?name=a&name=b`) gives the default title.
 */
export function cleanTitle(name: unknown, type: DocumentType): string {
  const extension = type === 'application/pdf' ? 'pdf' : type === 'image/png' ? 'png' : 'jpg';
  const base = (typeof name === 'string' ? name : '')
    .normalize('NFC')
    .replace(/\.[A-Za-z0-9]{1,5}$/, '')
    .replace(/[^\p{L}\p{N} _-]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80);
  return `${base || 'document'}.${extension}`;
}

export function documentReference(input: {
  bytes: Uint8Array;
  type: DocumentType;
  title: string;
  patientId: string;
  author: string;
  encounterId?: string;
  appointmentId: string;
  now?: Date;
}): DocumentReference {
  const data = Buffer.from(input.bytes);
  return {
    resourceType: 'DocumentReference',
    status: 'current',
    type: { text: 'Document échangé en téléconsultation' },
    category: [
      {
        coding: [{ system: 'https://sahti.ma/fhir/CodeSystem/document-category', code: 'teleconsultation' }],
      },
    ],
    subject: { reference: `Patient/${input.patientId}` },
    date: (input.now ?? new Date()).toISOString(),
    author: [{ reference: input.author }],
    description: input.title,
    content: [
      {
        attachment: {
          contentType: input.type,
          data: data.toString('base64'),
          size: data.length,
          hash: createHash('sha1').update(data).digest('base64'),
          title: input.title,
        },
      },
    ],
    context: {
      ...(input.encounterId ? { encounter: [{ reference: `Encounter/${input.encounterId}` }] } : {}),
      related: [{ reference: `Appointment/${input.appointmentId}` }],
    },
  };
}
