/**
 * The evening before the unit comes, the people it has seen at a stop (an Encounter there in the last
 * year) with a mobile number get an SMS in their language. Whether the unit comes, and when, is read
 * from the Slots the stop's template gives tomorrow (deriveSlots), so a public holiday, a closed
 * day or other hours tell nobody to wait for it. Once per person, stop and day: the notice's row is
 * the key, so a job run twice (another process, a retry) sends nothing twice.
 */
import type { Element, Location, Organization, Patient, Schedule } from '@medplum/fhirtypes';
import type { FhirStore, SqlClient } from '@sahti/fhir';
import { enqueueNotification, nudgeNotifications, patientLanguage } from '../../../notify/index.ts';
import { addDays, localDate, localToInstant } from '../../scheduling/calendar.ts';
import { deriveSlots, templateOf } from '../../scheduling/template.ts';
import { SERVICE_TYPE_SYSTEM, translationOf } from '../terms.ts';

type Named = { name?: string; _name?: Element };

/** The unit's and the stop's names for the message: French, and their Arabic and English translations
 * where the Organization and the Location carry them (the template picks by the patient's language). */
function names(
  unit: Named | undefined,
  unitDisplay: string,
  stop: Named | undefined,
): Record<string, string> {
  const out: Record<string, string> = { unit: unit?.name ?? unitDisplay, place: stop?.name ?? '' };
  for (const lang of ['ar', 'en']) {
    const unitName = translationOf(unit?._name, lang);
    const place = translationOf(stop?._name, lang);
    if (unitName) out[`unit_${lang}`] = unitName;
    if (place) out[`place_${lang}`] = place;
  }
  return out;
}

export const VISIT_NOTICE_JOB = 'units.visit-notices';

export async function sendVisitNotices(db: SqlClient, store: FhirStore, now = new Date()): Promise<number> {
  const tomorrow = addDays(localDate(now), 1);
  const schedules = await store.search('Schedule', [
    ['service-type', `${SERVICE_TYPE_SYSTEM}|mobile-unit-visit`],
    ['active', 'true'],
    ['_count', '1000'],
  ]);
  let sent = 0;
  for (const schedule of schedules.matches as Schedule[]) {
    const template = templateOf(schedule);
    if (!template) continue;
    const first = deriveSlots(
      template,
      localToInstant(tomorrow, '00:00'),
      localToInstant(addDays(tomorrow, 1), '00:00'),
    )[0];
    if (!first) continue;
    const stop = schedule.actor?.find((a) => a.reference?.startsWith('Location/'))?.reference;
    if (!stop) continue;
    const location = (await store.readIfPresent('Location', stop.slice(9))) as (Location & Named) | undefined;
    const unitRef = location?.managingOrganization?.reference;
    const unit = unitRef?.startsWith('Organization/')
      ? ((await store.readIfPresent('Organization', unitRef.slice(13))) as (Organization & Named) | undefined)
      : undefined;
    const named = names(unit, location?.managingOrganization?.display ?? '', location);
    const since = addDays(tomorrow, -365);
    const seen = await store.search('Encounter', [
      ['location', stop],
      ['date', `ge${since}`],
      ['_include', 'Encounter:subject'],
      ['_count', '1000'],
    ]);
    const patients = ((seen.included ?? []) as Patient[]).filter((p) => p.resourceType === 'Patient');
    const start = first.start;
    for (const patient of patients) {
      const phone = patient.telecom?.find(
        (t) => (t.system === 'sms' || t.system === 'phone') && t.value,
      )?.value;
      if (!phone) continue;
      await db.transaction(async (tx) => {
        const first = await tx.query(
          `INSERT INTO units_visit_notice (stop, day, patient_id) VALUES ($1::text, $2::date, $3::text) ON CONFLICT DO NOTHING RETURNING 1`,
          [stop, tomorrow, patient.id],
        );
        if (first.rows.length === 0) return;
        const language = patientLanguage(patient);
        await enqueueNotification(tx, {
          channel: 'sms',
          recipient: phone,
          patientId: patient.id,
          template: 'unit-visit',
          params: { ...named, start: start.toISOString() },
          ...(language ? { language } : {}),
          expiresAt: start,
        });
        sent += 1;
      });
    }
  }
  if (sent) nudgeNotifications(db);
  return sent;
}
