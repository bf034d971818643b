/**
 * Mobile units as FHIR: an Organization of type mobile-unit, its base (a Location in a commune),
 * its team (PractitionerRoles naming the unit, coded gp / nurse / assistant: a member reaches the
 * patients whose care relationship names the unit), its equipment (Devices it owns) and the daily
 * equipment check (a QuestionnaireResponse about the unit).
 */
import type {
  Device,
  Element,
  HumanName,
  Location,
  Organization,
  Practitioner,
  PractitionerRole,
  QuestionnaireResponse,
  Schedule,
} from '@medplum/fhirtypes';
import type { FhirStore, SqlExecutor } from '@sahti/fhir';
import { actorReferences } from '../../access/relations/visible.ts';
import type { Principal } from '../../kernel/principal.ts';
import { notFound } from './caller.ts';
import {
  DEVICE_KIND_SYSTEM,
  DEVICE_KINDS,
  EQUIPMENT_CHECK_QUESTIONNAIRE,
  MOBILE_UNIT,
  ORGANIZATION_TYPE_SYSTEM,
  SERVICE_TYPE_SYSTEM,
  TEAM_COMPOSITION,
  TEAM_ROLE_SYSTEM,
  TEAM_ROLES,
  type TeamRole,
  translation,
  UNIT_VISIT,
} from './terms.ts';
import { tourOf } from './tours/publish.ts';

export interface UnitSummary {
  id: string;
  /** The unit's name in French (Organization.name). */
  name: string;
  /** Organization._name: its translations (extension `translation`: `lang`, `content`), for the reader's language. */
  _name?: Element;
  base?: { commune?: string; name?: string; nameFr?: string; nameAr?: string; lat?: number; lon?: number };
}

export interface RosterMember {
  role: TeamRole;
  practitioner: string;
  name: string;
  /** Every name of the Practitioner (the official one and, when the directory has it, the Arabic one). */
  names: HumanName[];
  roleId: string;
}

/** An Organization as stored in FHIR JSON, with its name's primitive element (`_name`: translations). */
export type NamedOrganization = Organization & { _name?: Element };

/** The element carrying the translations of the unit's name, if it has any. */
export const nameElement = (o: Organization): Element | undefined => (o as NamedOrganization)._name;

export const isUnit = (o: Organization | undefined): o is Organization =>
  Boolean(
    o?.type?.some((t) =>
      t.coding?.some((c) => c.system === ORGANIZATION_TYPE_SYSTEM && c.code === 'mobile-unit'),
    ),
  );

export async function readUnit(store: FhirStore, id: string): Promise<Organization> {
  const org = (await store.readIfPresent('Organization', id)) as Organization | undefined;
  if (!isUnit(org)) throw notFound('No such mobile unit');
  return org as Organization;
}

export async function listUnits(store: FhirStore): Promise<UnitSummary[]> {
  const page = await store.search('Organization', [
    ['type', `${ORGANIZATION_TYPE_SYSTEM}|mobile-unit`],
    ['_count', '500'],
    ['_revinclude', 'Location:organization'],
  ]);
  const bases = (page.included ?? []) as Location[];
  return (page.matches as Organization[]).map((o) => summary(o, bases));
}

function summary(o: Organization, locations: Location[]): UnitSummary {
  const base = locations.find(
    (l) =>
      l.managingOrganization?.reference === `Organization/${o.id}` &&
      l.physicalType?.coding?.[0]?.code === 'bu',
  );
  return {
    id: o.id as string,
    name: o.name ?? '',
    ...(nameElement(o) ? { _name: nameElement(o) } : {}),
    ...(base
      ? {
          base: {
            commune: base.identifier?.[0]?.value,
            name: base.name,
            lat: base.position?.latitude,
            lon: base.position?.longitude,
          },
        }
      : {}),
  };
}

/** The units a practitioner works for (active PractitionerRoles). */
export async function unitsOf(db: SqlExecutor, store: FhirStore, principal: Principal): Promise<string[]> {
  if (!principal.fhirUser?.startsWith('Practitioner/')) return [];
  const refs = (await actorReferences(db, principal.fhirUser)).filter((r) => r.startsWith('Organization/'));
  const units: string[] = [];
  for (const ref of refs) {
    const org = (await store.readIfPresent('Organization', ref.slice(13))) as Organization | undefined;
    if (isUnit(org)) units.push(org?.id as string);
  }
  return units;
}

/** Languages a unit's name is translated into, besides its French name. */
export type UnitNameTranslations = Partial<Record<'ar' | 'en', string>>;

export function newUnit(input: {
  id: string;
  name: string;
  translations?: UnitNameTranslations;
}): NamedOrganization {
  const translated = Object.entries(input.translations ?? {})
    .filter(([, content]) => content)
    .map(([lang, content]) => [lang, (content as string).trim()] as const);
  return {
    resourceType: 'Organization',
    id: input.id,
    active: true,
    name: input.name,
    ...(translated.length
      ? { _name: { extension: translated.map(([lang, content]) => translation(lang, content as string)) } }
      : {}),
    type: [MOBILE_UNIT],
  };
}

const ARABIC_LETTER = /[\u0600-\u06FF]/;
const LATIN_LETTER = /[A-Za-z\u00C0-\u024F]/;

/** What is wrong with a unit's translated names (`{ar?, en?}`, 2–100 characters; Arabic in Arabic script). Pure. */
export function unitNameTranslationProblems(input: unknown): { field: string; message: string }[] {
  if (input === undefined) return [];
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return [
      { field: 'translations', message: 'translations is {ar?, en?}: the unit’s name in Arabic and English' },
    ];
  const out: { field: string; message: string }[] = [];
  for (const [lang, content] of Object.entries(input)) {
    const field = `translations.${lang}`;
    if (lang !== 'ar' && lang !== 'en') out.push({ field, message: 'Translations are in ar or en' });
    else if (typeof content !== 'string' || content.trim().length < 2 || content.length > 100)
      out.push({ field, message: 'A translated name has 2 to 100 characters' });
    else if (lang === 'ar' && (!ARABIC_LETTER.test(content) || LATIN_LETTER.test(content)))
      out.push({ field, message: 'Write the Arabic name in Arabic letters only' });
  }
  return out;
}

export function baseLocation(
  unitId: string,
  commune: { code: string; nameFr: string; lat: number; lon: number },
): Location {
  return {
    resourceType: 'Location',
    id: `base-${unitId}`.slice(0, 64),
    status: 'active',
    name: `Base: ${commune.nameFr}`,
    identifier: [{ system: 'https://sahti.ma/fhir/NamingSystem/hcp-commune', value: commune.code }],
    physicalType: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/location-physical-type', code: 'bu' }],
    },
    position: { latitude: commune.lat, longitude: commune.lon },
    managingOrganization: { reference: `Organization/${unitId}` },
  };
}

export function rosterRole(unitId: string, practitionerId: string, role: TeamRole): PractitionerRole {
  return {
    resourceType: 'PractitionerRole',
    id: `unit-${unitId}-${practitionerId}`.slice(0, 64),
    active: true,
    practitioner: { reference: `Practitioner/${practitionerId}` },
    organization: { reference: `Organization/${unitId}` },
    code: [{ coding: [{ system: TEAM_ROLE_SYSTEM, code: role }] }],
  };
}

export async function roster(store: FhirStore, unitId: string): Promise<RosterMember[]> {
  const page = await store.search('PractitionerRole', [
    ['organization', `Organization/${unitId}`],
    ['active', 'true'],
    ['_include', 'PractitionerRole:practitioner'],
    ['_count', '100'],
  ]);
  const people = new Map(((page.included ?? []) as Practitioner[]).map((p) => [`Practitioner/${p.id}`, p]));
  return (page.matches as PractitionerRole[]).flatMap((r) => {
    const role = r.code?.flatMap((c) => c.coding ?? []).find((c) => c.system === TEAM_ROLE_SYSTEM)
      ?.code as TeamRole;
    const ref = r.practitioner?.reference;
    if (!role || !ref) return [];
    const p = people.get(ref);
    const name = p?.name?.[0]
      ? [p.name[0].prefix?.join(' '), p.name[0].given?.join(' '), p.name[0].family].filter(Boolean).join(' ')
      : ref;
    return [{ role, practitioner: ref, name, names: p?.name ?? [], roleId: r.id as string }];
  });
}

/** What the team lacks against the programme's composition (a GP, two nurses, an assistant). Pure. */
export function rosterGaps(members: { role: TeamRole }[]): { role: TeamRole; missing: number }[] {
  return TEAM_ROLES.map((role) => ({
    role,
    missing: Math.max(0, TEAM_COMPOSITION[role] - members.filter((m) => m.role === role).length),
  })).filter((g) => g.missing > 0);
}

export async function devices(store: FhirStore, unitId: string): Promise<Device[]> {
  const page = await store.search('Device', [
    ['organization', `Organization/${unitId}`],
    ['_count', '200'],
  ]);
  return page.matches as Device[];
}

export function newDevice(unitId: string, input: { kind: string; serial: string; model?: string }): Device {
  return {
    resourceType: 'Device',
    status: 'active',
    owner: { reference: `Organization/${unitId}` },
    serialNumber: input.serial,
    ...(input.model ? { modelNumber: input.model } : {}),
    type: { coding: [{ system: DEVICE_KIND_SYSTEM, code: input.kind }] },
  };
}

export const isDeviceKind = (k: unknown): boolean =>
  typeof k === 'string' && (DEVICE_KINDS as readonly string[]).includes(k);

export function equipmentCheck(
  unitId: string,
  author: string,
  items: { device: string; present: boolean; working: boolean; note?: string }[],
): QuestionnaireResponse {
  return {
    resourceType: 'QuestionnaireResponse',
    status: 'completed',
    questionnaire: EQUIPMENT_CHECK_QUESTIONNAIRE,
    subject: { reference: `Organization/${unitId}` },
    authored: new Date().toISOString(),
    author: { reference: author },
    item: items.map((i) => ({
      linkId: i.device,
      text: i.device,
      item: [
        { linkId: 'present', answer: [{ valueBoolean: i.present }] },
        { linkId: 'working', answer: [{ valueBoolean: i.working }] },
        ...(i.note ? [{ linkId: 'note', answer: [{ valueString: i.note.slice(0, 500) }] }] : []),
      ],
    })),
  };
}

/** Where the unit's tour stops are (Location reference → centroid). */
export async function stopPositions(
  store: FhirStore,
  unitId: string,
): Promise<Map<string, { lat: number; lon: number }>> {
  const page = await store.search('Location', [
    ['organization', `Organization/${unitId}`],
    ['_count', '500'],
  ]);
  return new Map(
    (page.matches as Location[]).flatMap((l) =>
      l.position
        ? [[`Location/${l.id}`, { lat: l.position.latitude, lon: l.position.longitude }] as const]
        : [],
    ),
  );
}

/** The unit's published tour Schedules. */
export async function tourSchedules(store: FhirStore, unitId: string): Promise<Schedule[]> {
  const page = await store.search('Schedule', [
    ['service-type', `${SERVICE_TYPE_SYSTEM}|${UNIT_VISIT.coding?.[0]?.code}`],
    ['active', 'true'],
    ['_count', '500'],
  ]);
  return (page.matches as Schedule[]).filter((s) => tourOf(s)?.unit === `Organization/${unitId}`);
}
