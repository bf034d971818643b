/**
 * The codes and identifier systems of the mobile-unit service: what makes an Organization a unit, a
 * Location a tour stop or a facility an administrator added, a PractitionerRole a team member, a
 * Device a piece of the unit's equipment, and a record one created by the field app.
 */
import type { CodeableConcept, Element, Extension } from '@medplum/fhirtypes';

/** Every resource the field app creates carries this identifier (a UUID made on the device): the key of idempotent sync. */
export const FIELD_RECORD_SYSTEM = 'https://sahti.ma/fhir/NamingSystem/field-record';
/** HCP commune code (communes.csv), on tour stops. */
export const COMMUNE_SYSTEM = 'https://sahti.ma/fhir/NamingSystem/hcp-commune';
/** The OpenStreetMap element an administrator's facility corrects ("node/4228604166"). */
export const OSM_SYSTEM = 'https://www.openstreetmap.org';
/** A device gateway's own reading id, on the Observations it posts. */
export const GATEWAY_READING_SYSTEM = 'https://sahti.ma/fhir/NamingSystem/device-gateway-reading';

export const ORGANIZATION_TYPE_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/organization-type';
export const MOBILE_UNIT: CodeableConcept = {
  coding: [{ system: ORGANIZATION_TYPE_SYSTEM, code: 'mobile-unit', display: 'Unité médicale mobile' }],
};

export const LOCATION_TYPE_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/location-type';
export const TOUR_STOP: CodeableConcept = {
  coding: [{ system: LOCATION_TYPE_SYSTEM, code: 'unit-stop', display: 'Étape d’unité mobile' }],
};

/** Facility kinds of the planning data (facilities.csv), on Locations administrators add or correct. */
export const FACILITY_KIND_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/facility-kind';

export const TEAM_ROLE_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/unit-team-role';
export const TEAM_ROLES = ['gp', 'nurse', 'assistant'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];
/** The programme's team: a general practitioner, two nurses and an administrative assistant. */
export const TEAM_COMPOSITION: Record<TeamRole, number> = { gp: 1, nurse: 2, assistant: 1 };

export const DEVICE_KIND_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/unit-device-kind';
export const DEVICE_KINDS = [
  'bp-monitor',
  'glucometer',
  'pulse-oximeter',
  'thermometer',
  'scale',
  'ecg',
  'camera',
] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** The Questionnaire of the daily equipment check (one item per Device of the unit). */
export const EQUIPMENT_CHECK_QUESTIONNAIRE = 'Questionnaire/unit-equipment-check';

/** Tour Schedules carry the tour they belong to, so a republication replaces its own schedules only. */
export const TOUR_URL = 'https://sahti.ma/fhir/StructureDefinition/unit-tour';

export const SERVICE_TYPE_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/service-type';
export const UNIT_VISIT: CodeableConcept = {
  coding: [{ system: SERVICE_TYPE_SYSTEM, code: 'mobile-unit-visit', display: 'Passage de l’unité mobile' }],
};

export const fieldRecordIdOf = (resource: { identifier?: { system?: string; value?: string }[] }) =>
  resource.identifier?.find((i) => i.system === FIELD_RECORD_SYSTEM)?.value;

/** FHIR R4's translation of a string element (Organization._name): sub-extensions `lang`, `content`. */
export const TRANSLATION_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/translation';

/** A string element's translation into `lang` (its `_element`'s translation extension), if any. */
export function translationOf(element: Element | undefined, lang: string): string | undefined {
  const found = element?.extension?.find(
    (e) =>
      e.url === TRANSLATION_EXTENSION && e.extension?.some((x) => x.url === 'lang' && x.valueCode === lang),
  );
  return found?.extension?.find((x) => x.url === 'content')?.valueString || undefined;
}

/** The FHIR R4 translation extension of a string element (its `_element`). */
export const translation = (lang: string, content: string): Extension => ({
  url: TRANSLATION_EXTENSION,
  extension: [
    { url: 'lang', valueCode: lang },
    { url: 'content', valueString: content },
  ],
});
