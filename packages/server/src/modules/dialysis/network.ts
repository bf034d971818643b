/**
 * One dialysis centre as the FHIR resources the module reads (see centres.ts): Organization,
 * Location, the haemodialysis HealthcareService with its rules for guests, and a Schedule per guest
 * chair whose weekly template has the three shifts as sessions. Shared by the demo and the bench.
 */
import type {
  HealthcareService,
  Location,
  Money,
  Organization,
  Reference,
  Schedule,
} from '@medplum/fhirtypes';
import type { DemoBundleBuilder } from '../../demo/bundle-builder.ts';
import type { Weekday } from '../scheduling/calendar.ts';
import { type Session, templateExtension, type WeeklyTemplate } from '../scheduling/template.ts';
import { chairExtension, termsExtension } from './centres.ts';
import { BCP47, type ChairKind, haemodialysisConcept } from './terms.ts';

/** The usual three shifts of a Moroccan haemodialysis unit, four hours each. */
export const SHIFT_TIMES: [string, string][] = [
  ['06:00', '10:00'],
  ['10:30', '14:30'],
  ['15:00', '19:00'],
];
/** During Ramadan: two shifts in the day. */
const RAMADAN_TIMES: [string, string][] = [
  ['09:00', '13:00'],
  ['13:30', '17:30'],
];

export interface ChairSpec {
  kind: ChairKind;
  label: string;
  days: readonly Weekday[];
}

export interface CentreSpec {
  name: string;
  address: { city: string; district?: string; state?: string; country: string; line?: string[] };
  position?: { latitude: number; longitude: number };
  languages: string[];
  coverages: string[];
  price?: Money;
  serologyWindowDays: number;
  labsWindowDays: number;
  minNoticeDays: number;
  chairs: ChairSpec[];
  identifier?: { system: string; value: string };
  phone?: string;
}

export function chairTemplate(
  days: readonly Weekday[],
  shifts: [string, string][] = SHIFT_TIMES,
): WeeklyTemplate {
  const sessions = (times: [string, string][]): Session[] =>
    days.flatMap((day) => times.map(([start, end]) => ({ day, start, end })));
  return {
    slotMinutes: 240,
    sessions: sessions(shifts),
    ramadanSessions: sessions(RAMADAN_TIMES),
    exceptions: [],
    // dialysis does not stop for public holidays
    closedOnHolidays: false,
  };
}

export interface CentreRefs {
  organization: Reference<Organization>;
  location: Reference<Location>;
  service: Reference<HealthcareService>;
}

export function addCentre(builder: DemoBundleBuilder, spec: CentreSpec): CentreRefs {
  const organization = builder.add<Organization>(
    {
      resourceType: 'Organization',
      active: true,
      ...(spec.identifier ? { identifier: [spec.identifier] } : {}),
      type: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/organization-type',
              code: 'prov',
              display: 'Healthcare Provider',
            },
          ],
        },
      ],
      name: spec.name,
      ...(spec.phone ? { telecom: [{ system: 'phone', value: spec.phone, use: 'work' }] } : {}),
      address: [{ use: 'work', type: 'physical', ...spec.address }],
    },
    spec.name,
  );
  const location = builder.add<Location>(
    {
      resourceType: 'Location',
      status: 'active',
      name: spec.name,
      managingOrganization: organization,
      address: { use: 'work', type: 'physical', ...spec.address },
      ...(spec.position ? { position: spec.position } : {}),
    },
    spec.name,
  );
  const service = builder.add<HealthcareService>(
    {
      resourceType: 'HealthcareService',
      active: true,
      providedBy: organization,
      location: [location],
      type: [haemodialysisConcept()],
      name: spec.name,
      communication: spec.languages.map((code) => ({ coding: [{ system: BCP47, code }] })),
      availableTime: [
        {
          daysOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
          availableStartTime: '06:00:00',
          availableEndTime: '19:00:00',
        },
      ],
      extension: [
        termsExtension({
          serologyWindowDays: spec.serologyWindowDays,
          labsWindowDays: spec.labsWindowDays,
          minNoticeDays: spec.minNoticeDays,
          ...(spec.price ? { price: spec.price } : {}),
          coverages: spec.coverages,
        }),
      ],
    },
    spec.name,
  );
  for (const chair of spec.chairs) {
    builder.add<Schedule>({
      resourceType: 'Schedule',
      active: true,
      serviceType: [haemodialysisConcept()],
      actor: [service, location],
      comment: `${spec.name} — ${chair.label}`,
      extension: [chairExtension(chair.kind, chair.label), templateExtension(chairTemplate(chair.days))],
    });
  }
  return { organization, location, service };
}
