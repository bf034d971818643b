/**
 * A dialysis centre as FHIR: the Organization, its Location (address, position), a HealthcareService
 * of haemodialysis carrying the centre's rules for guests (serology window, labs window, minimum
 * notice, price, coverage accepted, languages spoken) and one Schedule per guest chair whose weekly
 * template has the shifts as sessions (scheduling derives the chair × shift Slots). A write hook
 * keeps dial_centre and dial_chair in step in the writing transaction, for the trip search.
 */
import type { Extension, HealthcareService, Location, Money, Schedule } from '@medplum/fhirtypes';
import type { FhirStore, SqlExecutor, WriteHook } from '@sahti/fhir';
import type { Weekday } from '../scheduling/calendar.ts';
import { placeKeys } from '../scheduling/places.ts';
import { templateOf } from '../scheduling/template.ts';
import { BCP47, type ChairKind, EXT, HAEMODIALYSIS, hasCoding } from './terms.ts';

export interface CentreTerms {
  serologyWindowDays: number;
  labsWindowDays: number;
  minNoticeDays: number;
  price?: Money;
  coverages: string[];
}

const ext = (url: string, value: Omit<Extension, 'url'>): Extension => ({ url, ...value });
const sub = (e: Extension | undefined, url: string) => e?.extension?.filter((x) => x.url === url) ?? [];

export function termsExtension(t: CentreTerms): Extension {
  return ext(EXT.rules, {
    extension: [
      ext('serologyWindowDays', { valueInteger: t.serologyWindowDays }),
      ext('labsWindowDays', { valueInteger: t.labsWindowDays }),
      ext('minNoticeDays', { valueInteger: t.minNoticeDays }),
      ...(t.price ? [ext('pricePerSession', { valueMoney: t.price })] : []),
      ...t.coverages.map((c) => ext('coverage', { valueCode: c })),
    ],
  });
}

/** The centre's rules, with the usual values where it says nothing (3 months, 2 months, a week). */
export function termsOf(service: HealthcareService): CentreTerms {
  const e = service.extension?.find((x) => x.url === EXT.rules);
  const int = (url: string, fallback: number) => sub(e, url)[0]?.valueInteger ?? fallback;
  const price = sub(e, 'pricePerSession')[0]?.valueMoney;
  return {
    serologyWindowDays: int('serologyWindowDays', 90),
    labsWindowDays: int('labsWindowDays', 60),
    minNoticeDays: int('minNoticeDays', 7),
    ...(price ? { price } : {}),
    coverages: sub(e, 'coverage').flatMap((x) => (x.valueCode ? [x.valueCode] : [])),
  };
}

export function chairExtension(kind: ChairKind, label: string): Extension {
  return ext(EXT.chair, {
    extension: [ext('kind', { valueCode: kind }), ext('label', { valueString: label })],
  });
}

export function chairOf(schedule: Schedule): { kind: ChairKind; label: string } | undefined {
  const e = schedule.extension?.find((x) => x.url === EXT.chair);
  if (!e) return undefined;
  const kind = sub(e, 'kind')[0]?.valueCode === 'isolation' ? 'isolation' : 'standard';
  return { kind, label: sub(e, 'label')[0]?.valueString ?? '' };
}

/**
 * The weekdays a chair may ever work: its template's usual, Ramadan and special-hours sessions — a
 * superset of the days it has slots on, so that the trip search can pass over a centre whose chairs
 * never work the days a stay needs without reading their slots. Undefined without a template.
 */
export function chairWeekdays(schedule: Schedule): Weekday[] | undefined {
  const template = templateOf(schedule);
  if (!template) return undefined;
  const sessions = [
    ...template.sessions,
    ...(template.ramadanSessions ?? []),
    ...template.exceptions.flatMap((x) => x.sessions ?? []),
  ];
  return [...new Set(sessions.map((s) => s.day))].sort();
}

export const isDialysisService = (s: HealthcareService | undefined): boolean =>
  !!s && hasCoding(s.type, HAEMODIALYSIS) && !!s.extension?.some((x) => x.url === EXT.rules);

const idOf = (ref: string | undefined, type: string) =>
  ref?.startsWith(`${type}/`) ? ref.slice(type.length + 1) : undefined;

async function read<T>(
  tx: SqlExecutor,
  store: FhirStore,
  type: string,
  id: string | undefined,
): Promise<T | undefined> {
  if (!id) return undefined;
  const found = await store.locate(type, id, undefined, tx);
  return found && !found.deleted ? (JSON.parse(found.content as string) as T) : undefined;
}

async function projectCentre(
  tx: SqlExecutor,
  store: FhirStore,
  id: string,
  service: HealthcareService | undefined,
) {
  if (!service || !isDialysisService(service)) {
    await tx.query('DELETE FROM dial_centre WHERE service_id = $1::text', [id]);
    return;
  }
  const locationId = idOf(service.location?.[0]?.reference, 'Location');
  const location = await read<Location>(tx, store, 'Location', locationId);
  const terms = termsOf(service);
  const languages = (service.communication ?? []).flatMap((c) =>
    (c.coding ?? []).filter((x) => x.system === BCP47 && x.code).map((x) => x.code as string),
  );
  await tx.query(
    `INSERT INTO dial_centre (service_id, organization, location, name, city, country, lat, lon, languages, coverages,
       price, currency, serology_days, labs_days, notice_days, place_keys, active)
     VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::float8, $8::float8, $9::text[], $10::text[],
       $11::numeric, $12::text, $13::int, $14::int, $15::int, $16::text[], $17::boolean)
     ON CONFLICT (service_id) DO UPDATE SET organization = EXCLUDED.organization, location = EXCLUDED.location,
       name = EXCLUDED.name, city = EXCLUDED.city, country = EXCLUDED.country, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
       languages = EXCLUDED.languages, coverages = EXCLUDED.coverages, price = EXCLUDED.price, currency = EXCLUDED.currency,
       serology_days = EXCLUDED.serology_days, labs_days = EXCLUDED.labs_days, notice_days = EXCLUDED.notice_days,
       place_keys = EXCLUDED.place_keys, active = EXCLUDED.active`,
    [
      id,
      service.providedBy?.reference ?? '',
      locationId ? `Location/${locationId}` : null,
      service.name ?? location?.name ?? '',
      location?.address?.city ?? null,
      location?.address?.country ?? 'MA',
      location?.position?.latitude ?? null,
      location?.position?.longitude ?? null,
      languages,
      terms.coverages,
      terms.price?.value ?? null,
      terms.price?.currency ?? null,
      terms.serologyWindowDays,
      terms.labsWindowDays,
      terms.minNoticeDays,
      placeKeys(location?.address),
      service.active !== false,
    ],
  );
}

async function projectChair(tx: SqlExecutor, id: string, schedule: Schedule | undefined) {
  const chair = schedule ? chairOf(schedule) : undefined;
  const serviceId = idOf(
    schedule?.actor.find((a) => a.reference?.startsWith('HealthcareService/'))?.reference,
    'HealthcareService',
  );
  if (!chair || !serviceId || schedule?.active === false) {
    await tx.query('DELETE FROM dial_chair WHERE schedule_id = $1::text', [id]);
    return;
  }
  await tx.query(
    `INSERT INTO dial_chair (schedule_id, service_id, kind, label, weekdays)
     VALUES ($1::text, $2::text, $3::text, $4::text, $5::text[])
     ON CONFLICT (schedule_id) DO UPDATE SET service_id = EXCLUDED.service_id, kind = EXCLUDED.kind,
       label = EXCLUDED.label, weekdays = EXCLUDED.weekdays`,
    [id, serviceId, chair.kind, chair.label, schedule ? (chairWeekdays(schedule) ?? null) : null],
  );
}

/** Keeps dial_centre and dial_chair in step with HealthcareServices, Locations and chair Schedules. */
export function centreProjectionHook(store: FhirStore): WriteHook {
  return (changes) => {
    const relevant = changes.filter(
      (c) =>
        c.resourceType === 'HealthcareService' ||
        c.resourceType === 'Location' ||
        (c.resourceType === 'Schedule' && [c.next, c.previous].some((s) => s && chairOf(s as Schedule))),
    );
    if (relevant.length === 0) return undefined;
    return async (tx) => {
      for (const change of relevant) {
        if (change.resourceType === 'HealthcareService')
          await projectCentre(tx, store, change.id, change.next as HealthcareService | undefined);
        else if (change.resourceType === 'Schedule')
          await projectChair(tx, change.id, change.next as Schedule | undefined);
        else {
          const affected = await tx.query<{ service_id: string }>(
            'SELECT service_id FROM dial_centre WHERE location = $1::text',
            [`Location/${change.id}`],
          );
          for (const row of affected.rows)
            await projectCentre(
              tx,
              store,
              row.service_id,
              await read(tx, store, 'HealthcareService', row.service_id),
            );
        }
      }
    };
  };
}
