/** The consultation report as a FHIR Composition (LOINC 11488-4 consult note), with its sections. Pure. */
import type { Composition } from '@medplum/fhirtypes';

export interface ReportValues {
  reason: string;
  findings: string;
  conclusion: string;
  plan: string;
}

const SECTIONS: { key: keyof ReportValues; code: string; title: string }[] = [
  { key: 'reason', code: '29299-5', title: 'Motif de consultation' },
  { key: 'findings', code: '29545-1', title: 'Examen et observations' },
  { key: 'conclusion', code: '51848-0', title: 'Conclusion' },
  { key: 'plan', code: '18776-5', title: 'Conduite à tenir' },
];

/** The form's field of a section, by its LOINC code (to name it in the reader's language). */
export function reportSectionKey(code: string | undefined): keyof ReportValues | undefined {
  return SECTIONS.find((s) => s.code === code)?.key;
}

export const REPORT_CATEGORY = 'teleconsultation';

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br/>');

export function reportProblems(v: ReportValues): (keyof ReportValues)[] {
  return (['reason', 'conclusion'] as const).filter((k) => v[k].trim().length < 3);
}

export function consultationReport(input: {
  values: ReportValues;
  patient: string;
  encounter: string;
  author: string;
  /** The author's name, shown with the report in the patient's record. */
  authorName?: string;
  date: string;
}): Composition {
  return {
    resourceType: 'Composition',
    status: 'final',
    type: { coding: [{ system: 'http://loinc.org', code: '11488-4', display: 'Consult note' }] },
    category: [
      {
        coding: [{ system: 'https://sahti.ma/fhir/CodeSystem/document-category', code: REPORT_CATEGORY }],
      },
    ],
    subject: { reference: input.patient },
    encounter: { reference: input.encounter },
    date: input.date,
    author: [{ reference: input.author, ...(input.authorName ? { display: input.authorName } : {}) }],
    title: 'Compte rendu de téléconsultation',
    section: SECTIONS.filter((s) => input.values[s.key].trim()).map((s) => ({
      title: s.title,
      code: { coding: [{ system: 'http://loinc.org', code: s.code }] },
      text: {
        status: 'generated',
        div: `<div xmlns="http://www.w3.org/1999/xhtml">${escapeXml(input.values[s.key].trim())}</div>`,
      },
    })),
  };
}
