/**
 * The International Patient Summary (HL7 IPS, FHIR R4) of one patient, as a document Bundle: a
 * Composition of LOINC 60591-5 first, with the three required sections (problems 11450-4,
 * allergies 48765-2, medications 10160-0 — each with entries or an empty reason) and the
 * recommended ones that have data (immunisations, results, vital signs, procedures) plus sections
 * services add (guest dialysis adds its own). Every reference resolves inside the Bundle: targets
 * that were gathered are given `urn:uuid:` full URLs, others keep only their display. Pure.
 */
import { createHash } from 'node:crypto';
import type {
  Bundle,
  BundleEntry,
  Composition,
  CompositionSection,
  Patient,
  Resource,
} from '@medplum/fhirtypes';

export const LOINC = 'http://loinc.org';
export const SUMMARY_CODE = { system: LOINC, code: '60591-5', display: 'Patient summary Document' };

export type SummaryLanguage = 'fr' | 'ar' | 'en';

export interface SectionSpec {
  key: string;
  code: { system: string; code: string; display: string };
  title: Record<SummaryLanguage, string>;
  required?: boolean;
  /** A line of the narrative table for one entry. */
  line?: (r: Resource) => string[];
  columns?: Record<SummaryLanguage, string[]>;
}

export interface SummarySection {
  spec: SectionSpec;
  entries: Resource[];
  /** Narrative of its own (XHTML fragment, escaped), else a table of `line`s. */
  narrative?: string;
}

interface Concept {
  text?: string;
  coding?: { display?: string; code?: string }[];
}
interface Quantityish {
  value?: number;
  unit?: string;
  code?: string;
}
/** A resource's element, read loosely (sections show what is there, whatever the resource type). */
const field = (r: Resource, key: string): unknown => (r as unknown as Record<string, unknown>)[key];
const text = (c: unknown): string => {
  const x = c as Concept | undefined;
  return x?.text ?? x?.coding?.[0]?.display ?? x?.coding?.[0]?.code ?? '';
};
const concept = (r: Resource, key: string) => text(field(r, key));
const when = (r: Resource, ...keys: string[]): string => {
  for (const k of keys) {
    const v = field(r, k);
    if (typeof v === 'string') return v.slice(0, 10);
    if (v && typeof v === 'object' && 'start' in v)
      return String((v as { start?: string }).start ?? '').slice(0, 10);
  }
  return '';
};
const quantity = (q: unknown) => {
  const x = q as Quantityish;
  return `${x.value} ${x.unit ?? x.code ?? ''}`.trim();
};
const value = (r: Resource): string => {
  if (field(r, 'valueQuantity')) return quantity(field(r, 'valueQuantity'));
  if (field(r, 'valueCodeableConcept')) return text(field(r, 'valueCodeableConcept'));
  if (typeof field(r, 'valueString') === 'string') return field(r, 'valueString') as string;
  const components = field(r, 'component');
  if (Array.isArray(components))
    return components
      .map((c: { valueQuantity?: Quantityish }) => c.valueQuantity?.value)
      .filter((v) => v !== undefined)
      .join('/');
  return '';
};
const list = (r: Resource, key: string): Record<string, unknown>[] => {
  const v = field(r, key);
  return Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
};

/** The IPS sections Sahti fills, with their LOINC codes (IPS 2.0 Composition slices). */
export const SECTIONS = {
  problems: {
    key: 'problems',
    code: { system: LOINC, code: '11450-4', display: 'Problem list - Reported' },
    title: { fr: 'Problèmes de santé', ar: 'المشاكل الصحية', en: 'Problem list' },
    required: true,
    columns: { fr: ['Problème', 'Depuis'], ar: ['المشكلة', 'منذ'], en: ['Problem', 'Since'] },
    line: (r) => [concept(r, 'code'), when(r, 'onsetDateTime', 'recordedDate')],
  },
  allergies: {
    key: 'allergies',
    code: { system: LOINC, code: '48765-2', display: 'Allergies and adverse reactions Document' },
    title: { fr: 'Allergies et intolérances', ar: 'الحساسية وعدم التحمل', en: 'Allergies and intolerances' },
    required: true,
    columns: { fr: ['Allergie', 'Réaction'], ar: ['الحساسية', 'التفاعل'], en: ['Allergy', 'Reaction'] },
    line: (r) => [
      concept(r, 'code'),
      list(r, 'reaction')
        .flatMap((x) => ((x.manifestation as unknown[]) ?? []).map(text))
        .join(', '),
    ],
  },
  medications: {
    key: 'medications',
    code: { system: LOINC, code: '10160-0', display: 'History of Medication use Narrative' },
    title: { fr: 'Médicaments', ar: 'الأدوية', en: 'Medication summary' },
    required: true,
    columns: { fr: ['Médicament', 'Posologie'], ar: ['الدواء', 'الجرعة'], en: ['Medicine', 'Dosage'] },
    line: (r) => [
      concept(r, 'medicationCodeableConcept') ||
        ((field(r, 'medicationReference') as { display?: string } | undefined)?.display ?? ''),
      [...list(r, 'dosage'), ...list(r, 'dosageInstruction')].map((d) => String(d.text ?? '')).join('; '),
    ],
  },
  immunizations: {
    key: 'immunizations',
    code: { system: LOINC, code: '11369-6', display: 'History of Immunization note' },
    title: { fr: 'Vaccinations', ar: 'التلقيحات', en: 'Immunizations' },
    columns: { fr: ['Vaccin', 'Date'], ar: ['اللقاح', 'التاريخ'], en: ['Vaccine', 'Date'] },
    line: (r) => [concept(r, 'vaccineCode'), when(r, 'occurrenceDateTime')],
  },
  results: {
    key: 'results',
    code: { system: LOINC, code: '30954-2', display: 'Relevant diagnostic tests/laboratory data note' },
    title: { fr: 'Résultats', ar: 'النتائج', en: 'Results' },
    columns: {
      fr: ['Examen', 'Résultat', 'Date'],
      ar: ['الفحص', 'النتيجة', 'التاريخ'],
      en: ['Test', 'Result', 'Date'],
    },
    line: (r) => [concept(r, 'code'), value(r), when(r, 'effectiveDateTime', 'effectivePeriod')],
  },
  vitalSigns: {
    key: 'vitalSigns',
    code: { system: LOINC, code: '8716-3', display: 'Vital signs note' },
    title: { fr: 'Signes vitaux', ar: 'العلامات الحيوية', en: 'Vital signs' },
    columns: {
      fr: ['Mesure', 'Valeur', 'Date'],
      ar: ['القياس', 'القيمة', 'التاريخ'],
      en: ['Measure', 'Value', 'Date'],
    },
    line: (r) => [concept(r, 'code'), value(r), when(r, 'effectiveDateTime', 'effectivePeriod')],
  },
  procedures: {
    key: 'procedures',
    code: { system: LOINC, code: '47519-4', display: 'History of Procedures Document' },
    title: { fr: 'Actes et interventions', ar: 'العمليات والإجراءات', en: 'History of procedures' },
    columns: { fr: ['Acte', 'Date'], ar: ['الإجراء', 'التاريخ'], en: ['Procedure', 'Date'] },
    line: (r) => [concept(r, 'code'), when(r, 'performedDateTime', 'performedPeriod')],
  },
} satisfies Record<string, SectionSpec>;

const EMPTY: Record<SummaryLanguage, string> = {
  fr: 'Aucune information disponible.',
  ar: 'لا تتوفر أي معلومات.',
  en: 'No information available.',
};

export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

const div = (inner: string, language: SummaryLanguage) =>
  `<div xmlns="http://www.w3.org/1999/xhtml" lang="${language}" xml:lang="${language}">${inner}</div>`;

function table(section: SummarySection, language: SummaryLanguage): string {
  const columns = section.spec.columns?.[language] ?? [];
  const rows = section.entries
    .map(
      (r) =>
        `<tr>${(section.spec.line?.(r) ?? [r.resourceType]).map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table><thead><tr>${columns.map((c) => `<th>${escapeXml(c)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** A stable `urn:uuid:` for a stored resource (the same resource, the same id in every summary). */
export function uuidFor(ref: string): string {
  const h = createHash('sha256').update(`sahti-summary|${ref}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Rewrites every reference of a resource: inside the Bundle → its urn:uuid, elsewhere → display only. */
export function rewriteReferences<T>(node: T, inside: ReadonlyMap<string, string>): T {
  if (Array.isArray(node)) return node.map((x) => rewriteReferences(x, inside)) as T;
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) out[k] = rewriteReferences(v, inside);
  if (typeof out.reference === 'string' && !out.reference.startsWith('#')) {
    const target = inside.get(out.reference);
    if (target) out.reference = target;
    else {
      const type = out.reference.split('/')[0];
      delete out.reference;
      if (typeof out.display !== 'string') out.display = type;
    }
  }
  return out as T;
}

export interface SummaryInput {
  patient: Patient;
  sections: SummarySection[];
  /** Resources the entries point to (practitioners, organisations, medications…), by `Type/id`. */
  referenced: Resource[];
  language: SummaryLanguage;
  now: Date;
  /** The organisation that assembles the summary (the Composition's author and custodian). */
  author: { name: string };
}

export function buildSummary(input: SummaryInput): Bundle {
  const { language } = input;
  const author: Resource = {
    resourceType: 'Organization',
    id: uuidFor('author'),
    name: input.author.name,
    active: true,
  };
  const stored = [input.patient, ...input.referenced, ...input.sections.flatMap((s) => s.entries)];
  const inside = new Map<string, string>();
  for (const r of stored)
    inside.set(`${r.resourceType}/${r.id}`, `urn:uuid:${uuidFor(`${r.resourceType}/${r.id}`)}`);
  const urnOf = (r: Resource) => inside.get(`${r.resourceType}/${r.id}`) as string;
  const authorUrn = `urn:uuid:${author.id}`;
  const section = (s: SummarySection): CompositionSection => {
    const empty = s.entries.length === 0;
    return {
      title: s.spec.title[language],
      code: { coding: [s.spec.code] },
      text: {
        status: 'generated',
        div: div(empty ? `<p>${EMPTY[language]}</p>` : (s.narrative ?? table(s, language)), language),
      },
      ...(empty
        ? {
            emptyReason: {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason',
                  code: 'unavailable',
                  display: 'Unavailable',
                },
              ],
            },
          }
        : { entry: s.entries.map((r) => ({ reference: urnOf(r) })) }),
    };
  };
  const ordered = [
    ...input.sections.filter((s) => s.spec.required),
    ...input.sections.filter((s) => !s.spec.required && s.entries.length > 0),
  ];
  const name = input.patient.name?.[0];
  const composition: Composition = {
    resourceType: 'Composition',
    id: uuidFor(`composition|${input.patient.id}|${input.now.toISOString()}`),
    language,
    status: 'final',
    type: { coding: [SUMMARY_CODE] },
    subject: { reference: urnOf(input.patient) },
    date: input.now.toISOString(),
    author: [{ reference: authorUrn }],
    custodian: { reference: authorUrn },
    title: `${{ fr: 'Résumé patient', ar: 'ملخص المريض', en: 'Patient summary' }[language]}${name ? ` — ${[...(name.given ?? []), name.family].filter(Boolean).join(' ')}` : ''}`,
    confidentiality: 'N',
    section: ordered.map(section),
  };
  const seen = new Set<string>();
  const entries: BundleEntry[] = [
    { fullUrl: `urn:uuid:${composition.id}`, resource: composition },
    ...stored
      .filter((r) => {
        const key = `${r.resourceType}/${r.id}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .map((r) => {
        const urn = urnOf(r);
        const copy = rewriteReferences({ ...r, id: urn.slice('urn:uuid:'.length) }, inside) as Resource;
        delete (copy as { meta?: unknown }).meta;
        return { fullUrl: urn, resource: copy };
      }),
    { fullUrl: authorUrn, resource: author },
  ];
  return {
    resourceType: 'Bundle',
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${crypto.randomUUID()}` },
    type: 'document',
    timestamp: input.now.toISOString(),
    entry: entries,
  };
}
