/**
 * Finding a carer in the directory — the practitioner or facility a patient allows or blocks, the
 * facilities an administrator adds to a practitioner: what to ask the server, and each match as a
 * line a person can tell apart (name, specialty, facility, city).
 * A name is searched twice at once, as for patients: `name:contains` (a word anywhere: "Ibn Rochd"
 * finds "CHU Ibn Rochd"; accent- and Arabic-variant-insensitive) and `phonetic` (any spelling:
 * Filali / Filaly), the latter optional. Practitioners come with their roles and the roles'
 * facilities, so the line says who they are and where.
 */
import type { Bundle, Organization, Practitioner, PractitionerRole, Reference } from '@medplum/fhirtypes';
import { ApiError } from '../api/errors.ts';
import { resourcesOf } from '../api/fhir.ts';
import { fhir } from '../api/index.ts';
import { personName } from '../fhir/display.ts';
import type { Language } from '../i18n/languages.ts';
import { specialtyLabel } from '../terms/index.ts';

export type CarerKind = 'Practitioner' | 'Organization';

export interface CarerSearch {
  params: Record<string, string>;
  headers: Record<string, string>;
  /** A failure of this search may be ignored: another one carries the query. */
  optional: boolean;
}

export interface CarerChoice {
  reference: string;
  name: string;
  /** Specialties in the reader's language (from their codes): what tells namesakes apart first. */
  specialties: string[];
  /** Facility and city, as the directory writes them. */
  places: string[];
}

const WITH_PLACES: Record<CarerKind, Record<string, string>> = {
  Practitioner: {
    _revinclude: 'PractitionerRole:practitioner',
    '_include:iterate': 'PractitionerRole:organization',
  },
  Organization: {},
};

export function planCarerSearch(kind: CarerKind, query: string, count = 20): CarerSearch[] | 'missing' {
  const text = query.trim().replace(/\s+/g, ' ');
  if (text.length < 2) return 'missing';
  const common = { ...WITH_PLACES[kind], _count: String(count) };
  return [
    { params: { 'name:contains': text, ...common }, headers: {}, optional: false },
    { params: { phonetic: text, ...common }, headers: { prefer: 'handling=strict' }, optional: true },
  ];
}

/** Both searches of the plan (a word anywhere in the name, any spelling), each match once. */
export async function findCarers(
  kind: CarerKind,
  name: string,
  language: Language,
  signal: AbortSignal,
): Promise<CarerChoice[]> {
  const plan = planCarerSearch(kind, name);
  if (plan === 'missing') return [];
  const bundles = await Promise.all(
    plan.map((s) =>
      fhir.search(kind, s.params, { headers: s.headers, signal }).catch((error: unknown) => {
        if (s.optional && error instanceof ApiError && error.status === 400) return undefined;
        throw error;
      }),
    ),
  );
  return carerChoices(
    kind,
    bundles.filter((b) => b !== undefined),
    language,
  );
}

/** The matches of several searches, each once, in the order first seen, with what tells them apart. */
export function carerChoices(kind: CarerKind, bundles: Bundle[], language: Language): CarerChoice[] {
  const organizations = new Map<string, Organization>();
  const roles: PractitionerRole[] = [];
  for (const bundle of bundles) {
    for (const o of resourcesOf(bundle, 'Organization')) if (o.id) organizations.set(o.id, o);
    roles.push(...resourcesOf(bundle, 'PractitionerRole'));
  }
  const seen = new Set<string>();
  const choices: CarerChoice[] = [];
  for (const bundle of bundles) {
    for (const entry of bundle.entry ?? []) {
      const r = entry.resource;
      if (!r || r.resourceType !== kind || !r.id || entry.search?.mode === 'include') continue;
      const reference = `${kind}/${r.id}`;
      if (seen.has(reference)) continue;
      seen.add(reference);
      choices.push(
        r.resourceType === 'Practitioner'
          ? practitionerChoice(r, roles, organizations, language)
          : { reference, name: r.name ?? '', specialties: [], places: unique([cityOf(r)]) },
      );
    }
  }
  return choices;
}

function practitionerChoice(
  practitioner: Practitioner,
  roles: PractitionerRole[],
  organizations: Map<string, Organization>,
  language: Language,
): CarerChoice {
  const reference = `Practitioner/${practitioner.id}`;
  const mine = roles.filter((r) => r.practitioner?.reference === reference && r.active !== false);
  const specialties = mine.flatMap((role) => (role.specialty ?? []).map((s) => specialtyLabel(language, s)));
  const places = mine.flatMap((role) => {
    const organization = organizationOf(role.organization, organizations);
    return [
      organization?.name ?? role.organization?.display,
      organization ? cityOf(organization) : undefined,
    ];
  });
  return {
    reference,
    name: personName(practitioner.name, language),
    specialties: unique(specialties),
    places: unique(places),
  };
}

function organizationOf(
  reference: Reference | undefined,
  organizations: Map<string, Organization>,
): Organization | undefined {
  const id = reference?.reference?.startsWith('Organization/') ? reference.reference.slice(13) : undefined;
  return id ? organizations.get(id) : undefined;
}

export function cityOf(organization: Organization): string | undefined {
  return organization.address?.find((a) => a.city)?.city;
}

function unique(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => Boolean(v?.trim())))];
}
