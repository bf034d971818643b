/**
 * Gathers what goes into a patient's summary from the store as the caller sees it (their read
 * scope applies: a summary never shows more than the caller may read) — active problems, allergies,
 * current medicines, immunisations, the latest result of each lab test and vital sign, procedures —
 * plus the sections services add, and the practitioners, organisations and medicines they point to.
 */
import type { Observation, Patient, Resource } from '@medplum/fhirtypes';
import type { FhirStore } from '@sahti/fhir';
import {
  buildSummary,
  SECTIONS,
  type SectionSpec,
  type SummaryLanguage,
  type SummarySection,
} from './ips.ts';

/** A section a service adds (guest dialysis: prescription, access, serology). */
export type SectionProvider = (store: FhirStore, patientId: string) => Promise<SummarySection | undefined>;

const providers: SectionProvider[] = [];
export function addSummarySection(provider: SectionProvider): void {
  providers.push(provider);
}

const REFERENCED_TYPES = new Set([
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Medication',
  'Device',
]);

/** The latest Observation of each code. */
function latestByCode(observations: Observation[], limit: number): Observation[] {
  const seen = new Set<string>();
  const out: Observation[] = [];
  for (const o of observations) {
    const code = o.code.coding?.[0]?.code ?? o.code.text ?? '';
    if (seen.has(code) || o.status === 'entered-in-error') continue;
    seen.add(code);
    out.push(o);
    if (out.length >= limit) break;
  }
  return out;
}

function referencesIn(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) for (const x of node) referencesIn(x, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'reference' && typeof v === 'string' && /^[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(v))
        out.add(v);
      else referencesIn(v, out);
    }
  }
}

export async function collectSections(store: FhirStore, patientId: string): Promise<SummarySection[]> {
  const patient = `Patient/${patientId}`;
  const find = async (type: string, query: [string, string][]) =>
    (await store.search(type, [['patient', patient], ...query])).matches;
  const notError = (r: Resource) => (r as { status?: string }).status !== 'entered-in-error';
  const section = (spec: SectionSpec, entries: Resource[]): SummarySection => ({
    spec,
    entries: entries.filter(notError),
  });
  const sections: SummarySection[] = [
    section(
      SECTIONS.problems,
      await find('Condition', [
        ['clinical-status', 'active,recurrence,relapse'],
        ['_count', '100'],
      ]),
    ),
    section(
      SECTIONS.allergies,
      (await find('AllergyIntolerance', [['_count', '100']])).filter(
        (a) =>
          (a as { verificationStatus?: { coding?: { code?: string }[] } }).verificationStatus?.coding?.[0]
            ?.code !== 'entered-in-error',
      ),
    ),
    section(SECTIONS.medications, [
      ...(await find('MedicationStatement', [
        ['status', 'active,intended'],
        ['_count', '100'],
      ])),
      ...(await find('MedicationRequest', [
        ['status', 'active'],
        ['_count', '100'],
      ])),
    ]),
    section(
      SECTIONS.immunizations,
      await find('Immunization', [
        ['_sort', '-date'],
        ['_count', '50'],
      ]),
    ),
    section(
      SECTIONS.results,
      latestByCode(
        (await find('Observation', [
          ['category', 'laboratory'],
          ['_sort', '-date'],
          ['_count', '200'],
        ])) as Observation[],
        30,
      ),
    ),
    section(
      SECTIONS.vitalSigns,
      latestByCode(
        (await find('Observation', [
          ['category', 'vital-signs'],
          ['_sort', '-date'],
          ['_count', '100'],
        ])) as Observation[],
        15,
      ),
    ),
    section(
      SECTIONS.procedures,
      await find('Procedure', [
        ['_sort', '-date'],
        ['_count', '30'],
      ]),
    ),
  ];
  for (const provider of providers) {
    const extra = await provider(store, patientId);
    if (extra && extra.entries.length > 0) sections.push(extra);
  }
  // an entry shown in a service's section is not repeated in a general one
  const inExtra = new Set(
    sections.slice(7).flatMap((s) => s.entries.map((r) => `${r.resourceType}/${r.id}`)),
  );
  for (const s of sections.slice(0, 7))
    s.entries = s.entries.filter((r) => !inExtra.has(`${r.resourceType}/${r.id}`));
  return sections;
}

/** The summary Bundle of a patient as `store` sees them; undefined when the patient is not visible. */
export async function patientSummary(
  store: FhirStore,
  patientId: string,
  options: { language?: SummaryLanguage; now?: Date } = {},
): Promise<{ bundle: ReturnType<typeof buildSummary>; ids: string[] } | undefined> {
  const found = await store.locate('Patient', patientId);
  if (!found?.visible || found.deleted || !found.content) return undefined;
  const patient = JSON.parse(found.content) as Patient;
  const sections = await collectSections(store, patientId);
  const refs = new Set<string>();
  referencesIn(
    sections.flatMap((s) => s.entries),
    refs,
  );
  referencesIn(patient, refs);
  const referenced: Resource[] = [];
  for (const ref of refs) {
    const [type, id] = ref.split('/');
    if (!REFERENCED_TYPES.has(type)) continue;
    const target = await store.locate(type, id);
    if (target?.visible && !target.deleted && target.content)
      referenced.push(JSON.parse(target.content) as Resource);
  }
  const bundle = buildSummary({
    patient,
    sections,
    referenced,
    language: options.language ?? 'en',
    now: options.now ?? new Date(),
    author: { name: 'Sahti — plateforme marocaine de santé connectée' },
  });
  const ids = [
    `Patient/${patientId}`,
    ...sections.flatMap((s) => s.entries.map((r) => `${r.resourceType}/${r.id}`)),
  ];
  return { bundle, ids };
}
