/**
 * Who may write a field prescription: every MedicationRequest arriving through the field sync is
 * one, written at a consultation of a mobile unit (its Encounter's serviceProvider), and only that
 * unit's GP — an active PractitionerRole coded `gp` on the unit — writes it. A doctor's role alone
 * is not enough: a doctor off the roster, a nurse of the unit, another unit's GP are refused (403)
 * before anything of the batch is written.
 */
import type { Bundle, Encounter, Organization } from '@medplum/fhirtypes';
import { FhirError, outcome } from '@sahti/fhir';
import type { ModuleContext } from '../../../kernel/module.ts';
import type { Principal } from '../../../kernel/principal.ts';
import { isUnit, roster } from '../units.ts';

/** Where a field prescription was written: the unit named by its encounter in the bundle, or the encounter to read. */
export interface PrescriptionSite {
  key: string;
  unit?: string;
  encounter?: string;
}

/** The sites of the bundle's MedicationRequests (new or edited). Pure. */
export function prescriptionSites(bundle: Bundle): PrescriptionSite[] {
  const encounters = new Map<string, Encounter>();
  for (const e of bundle.entry ?? [])
    if (e.resource?.resourceType === 'Encounter' && e.fullUrl) encounters.set(e.fullUrl, e.resource);
  const sites: PrescriptionSite[] = [];
  (bundle.entry ?? []).forEach((e, i) => {
    const r = e.resource;
    if (r?.resourceType !== 'MedicationRequest') return;
    const key = e.fullUrl ?? `Bundle.entry[${i}]`;
    const ref = r.encounter?.reference;
    if (!ref) sites.push({ key });
    else if (encounters.has(ref)) sites.push({ key, unit: encounters.get(ref)?.serviceProvider?.reference });
    else sites.push({ key, encounter: ref });
  });
  return sites;
}

const refused = (message: string, key: string) =>
  new FhirError(403, outcome('error', 'forbidden', message, [key]));

/** Refuses (403) the sync when the caller is not the active GP of every unit it prescribes for. */
export async function checkFieldPrescribers(
  ctx: ModuleContext,
  principal: Principal,
  bundle: Bundle,
): Promise<void> {
  const sites = prescriptionSites(bundle);
  if (sites.length === 0) return;
  const gpOf = new Map<string, boolean>();
  for (const site of sites) {
    let unit = site.unit;
    if (!unit && site.encounter?.startsWith('Encounter/')) {
      const encounter = (await ctx.store
        .read('Encounter', site.encounter.slice('Encounter/'.length))
        .catch(() => undefined)) as Encounter | undefined;
      unit = encounter?.serviceProvider?.reference;
    }
    if (!unit?.startsWith('Organization/'))
      throw refused(
        'A field prescription is written at a consultation of a mobile unit (its encounter)',
        site.key,
      );
    if (!gpOf.has(unit)) gpOf.set(unit, await isUnitGp(ctx, principal, unit.slice('Organization/'.length)));
    if (!gpOf.get(unit)) throw refused('Only the unit’s GP writes its field prescriptions', site.key);
  }
}

async function isUnitGp(ctx: ModuleContext, principal: Principal, unitId: string): Promise<boolean> {
  if (principal.kind !== 'staff' || !principal.fhirUser?.startsWith('Practitioner/')) return false;
  const org = (await ctx.store.read('Organization', unitId).catch(() => undefined)) as
    | Organization
    | undefined;
  if (!isUnit(org) || org.active === false) return false;
  // roster() lists the active roles only: a GP who left the unit prescribes for it no more
  return (await roster(ctx.store, unitId)).some(
    (m) => m.role === 'gp' && m.practitioner === principal.fhirUser,
  );
}
