/**
 * Demo data of the mobile-unit service: one unit based in a rural commune of Taroudant province
 * (real geography), its team (the demo doctor as GP, the demo nurse), its equipment, a device
 * gateway-free setup, and its published weekly tour. Idempotent: the unit's id is fixed.
 */
import type { Organization, Schedule } from '@medplum/fhirtypes';
import { findAccountByLogin } from '../../auth/accounts.ts';
import { demoStaffLogin } from '../../auth/demo-accounts.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import { localDate } from '../scheduling/calendar.ts';
import { materializeSchedules } from '../scheduling/materialize.ts';
import { haversineKm } from './planning/index.ts';
import type { PlanningService } from './planning-service.ts';
import type { UnitsSettings } from './settings.ts';
import { DEVICE_KINDS } from './terms.ts';
import { mondayOf, tourEntries } from './tours/publish.ts';
import { planTour } from './tours/tour.ts';
import {
  baseLocation,
  nameElement,
  newDevice,
  newUnit,
  rosterRole,
  type UnitNameTranslations,
} from './units.ts';

export const DEMO_UNIT_ID = 'unit-demo-taroudant';
const DEMO_PROVINCE = '09.541';

/** The demo unit's names: French, and Arabic and English with the province's Arabic name from provinces.csv. */
export function demoUnitNames(provinceNameAr: string | undefined): {
  name: string;
  translations: UnitNameTranslations;
} {
  return {
    name: 'Unité mobile Taroudant 1',
    translations: {
      ...(provinceNameAr ? { ar: `الوحدة الطبية المتنقلة - ${provinceNameAr} 1` } : {}),
      en: 'Mobile medical unit Taroudant 1',
    },
  };
}

export async function seedUnitsDemo(
  ctx: ModuleContext,
  planning: PlanningService,
  settings: UnitsSettings,
): Promise<number> {
  const names = demoUnitNames(
    planning.data.geography.provinces.find((p) => p.code === DEMO_PROVINCE)?.nameAr,
  );
  const seeded = (await ctx.store.readIfPresent('Organization', DEMO_UNIT_ID)) as Organization | undefined;
  // a demo seeded before the unit's names were translated gets them; otherwise nothing to do
  if (seeded) return nameElement(seeded) ? 0 : await translateSeededUnit(ctx, seeded, names.translations);
  const communes = planning.data.geography.communes.filter(
    (c) => c.rural && c.lat !== undefined && c.lon !== undefined,
  );
  // the most populous rural commune of the province of Taroudant (09.541) as the base
  const base = communes
    .filter((c) => c.provinceCode === DEMO_PROVINCE)
    .sort((a, b) => b.population - a.population)[0];
  if (!base) return 0;
  const near = communes
    .filter(
      (c) => haversineKm(base.lat as number, base.lon as number, c.lat as number, c.lon as number) <= 20,
    )
    .sort((a, b) => b.population - a.population)
    .slice(0, 5)
    .map((c) => ({
      code: c.code,
      name: c.nameFr,
      population: c.population,
      lat: c.lat as number,
      lon: c.lon as number,
    }));
  const tour = planTour({ lat: base.lat as number, lon: base.lon as number }, near, {
    weeks: 1,
    workDays: settings.workDays,
    speedKmh: settings.speedKmh,
    detourFactor: settings.detourFactor,
  });
  const unit = newUnit({ id: DEMO_UNIT_ID, ...names });
  const team = [];
  for (const [role, login] of [
    ['gp', demoStaffLogin('doctor')],
    ['nurse', demoStaffLogin('nurse')],
  ] as const) {
    const account = await findAccountByLogin(ctx.db, login);
    const fhirUser = (account as { fhirUser?: string } | undefined)?.fhirUser;
    if (fhirUser?.startsWith('Practitioner/')) team.push(rosterRole(DEMO_UNIT_ID, fhirUser.slice(13), role));
  }
  const entries = [
    unit,
    baseLocation(DEMO_UNIT_ID, {
      code: base.code,
      nameFr: base.nameFr,
      lat: base.lat as number,
      lon: base.lon as number,
    }),
    ...team,
  ].map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } }));
  const devices = DEVICE_KINDS.map((kind, i) => ({
    resource: newDevice(DEMO_UNIT_ID, { kind, serial: `DEMO-${String(i + 1).padStart(4, '0')}` }),
    request: { method: 'POST', url: 'Device' },
  }));
  const published = tourEntries(tour, {
    unitId: DEMO_UNIT_ID,
    unitName: unit.name as string,
    start: mondayOf(localDate(new Date())),
    horizonWeeks: 12,
    dayStart: settings.dayStart,
    dayEnd: settings.dayEnd,
    slotMinutes: 30,
    arabicName: (code) => planning.data.geography.communes.find((c) => c.code === code)?.nameAr,
  });
  const all = [...entries, ...devices, ...published];
  const res = await ctx.fhir.handle({
    method: 'POST',
    path: '/',
    query: [],
    headers: {},
    body: { resourceType: 'Bundle', type: 'transaction', entry: all },
  });
  if (res.status !== 200) throw new Error(`units demo refused: ${JSON.stringify(res.body).slice(0, 300)}`);
  const schedules = published
    .map((e) => e.resource)
    .filter((r): r is Schedule => r?.resourceType === 'Schedule');
  const [slots] = await materializeSchedules(ctx.fhir, ctx.db, schedules, 7);
  return all.length + slots;
}

async function translateSeededUnit(
  ctx: ModuleContext,
  unit: Organization,
  translations: UnitNameTranslations,
): Promise<number> {
  const { _name } = newUnit({ id: DEMO_UNIT_ID, name: unit.name ?? '', translations });
  const res = await ctx.fhir.handle({
    method: 'PUT',
    path: `/Organization/${DEMO_UNIT_ID}`,
    query: [],
    headers: {},
    body: { ...unit, _name },
  });
  if (res.status >= 300)
    throw new Error(`units demo names refused: ${JSON.stringify(res.body).slice(0, 300)}`);
  return 1;
}
