/**
 * Who may write a field prescription: every MedicationRequest arriving through the field sync is
 * one, written at a consultation of a mobile unit (its Encounter's serviceProvider), and only that
 * unit's GP — an active PractitionerRole coded `gp` on the unit — writes it. A doctor's role alone
 * is not enough: a doctor off the roster, a nurse of the unit, another unit's GP are refused (403)
 * before anything of the batch is written.
 *
 * The same rule holds on every path (fieldPrescriptionHook, inside each write's transaction): a staff
 * member's MedicationRequest whose encounter is a consultation of a mobile unit, posted to /fhir/R4,
 * in a transaction Bundle or signed by `$sign`, is written by that unit's active GP only.
 */
import type {
  Bundle,
  Encounter,
  MedicationRequest,
  Organization,
  PractitionerRole,
  Resource,
} from '@medplum/fhirtypes';
import { FhirError, type FhirStore, outcome, type SqlExecutor, type WriteHook } from '@sahti/fhir';
import type { ModuleContext } from '../../../kernel/module.ts';
import type { Principal } from '../../../kernel/principal.ts';
import { TEAM_ROLE_SYSTEM } from '../terms.ts';
import { isUnit } from '../units.ts';

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

const NOT_THE_GP = 'Only the unit’s GP writes its field prescriptions';

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
    const unit =
      site.unit ?? (site.encounter ? await encounterProvider(ctx.store, ctx.db, site.encounter) : undefined);
    if (!unit?.startsWith('Organization/'))
      throw refused(
        'A field prescription is written at a consultation of a mobile unit (its encounter)',
        site.key,
      );
    if (!gpOf.has(unit)) gpOf.set(unit, await isUnitGp(ctx.store, ctx.db, principal, unit));
    if (!gpOf.get(unit)) throw refused(NOT_THE_GP, site.key);
  }
}

/**
 * Inside every write: a staff member's MedicationRequest at a consultation of a mobile unit is
 * refused (403, the whole write) unless its writer is that unit's active GP. System clients, the
 * platform's own writes (revocation) and consultations elsewhere pass.
 */
export function fieldPrescriptionHook(store: FhirStore): WriteHook {
  return (changes, actor) => {
    const principal = actor as Principal | undefined;
    if (principal?.kind !== 'staff') return undefined;
    const written = changes.flatMap((c) => {
      const ref =
        c.resourceType === 'MedicationRequest'
          ? (c.next as MedicationRequest | undefined)?.encounter?.reference
          : undefined;
      return ref?.startsWith('Encounter/') ? [{ key: `MedicationRequest/${c.id}`, encounter: ref }] : [];
    });
    if (written.length === 0) return undefined;
    return async (tx) => {
      const gpOf = new Map<string, boolean>();
      for (const { key, encounter } of written) {
        const provider = await encounterProvider(store, tx, encounter);
        if (!provider?.startsWith('Organization/') || !(await isUnitOrganization(store, tx, provider)))
          continue;
        if (!gpOf.has(provider)) gpOf.set(provider, await isUnitGp(store, tx, principal, provider));
        if (!gpOf.get(provider)) throw refused(NOT_THE_GP, key);
      }
    };
  };
}

/** The current version of a resource as the engine holds it (inside a write: that write's view). */
function current<T extends Resource>(
  store: FhirStore,
  db: SqlExecutor,
  reference: string,
): Promise<T | undefined> {
  const [type, id] = reference.split('/');
  return type && id ? store.readWithin<T>(db, type, id) : Promise.resolve(undefined);
}

/** The organisation that held a consultation (its serviceProvider). */
async function encounterProvider(
  store: FhirStore,
  db: SqlExecutor,
  reference: string,
): Promise<string | undefined> {
  if (!reference.startsWith('Encounter/')) return undefined;
  return (await current<Encounter>(store, db, reference))?.serviceProvider?.reference;
}

async function isUnitOrganization(store: FhirStore, db: SqlExecutor, reference: string): Promise<boolean> {
  return isUnit(await current<Organization>(store, db, reference));
}

/** Whether the caller holds an active `gp` PractitionerRole on this active mobile unit. */
async function isUnitGp(
  store: FhirStore,
  db: SqlExecutor,
  principal: Principal,
  unit: string,
): Promise<boolean> {
  const practitioner = principal.kind === 'staff' ? principal.fhirUser : undefined;
  if (!practitioner?.startsWith('Practitioner/')) return false;
  const org = await current<Organization>(store, db, unit);
  if (!isUnit(org) || org.active === false) return false;
  // the active roles only, as the roster lists them: a GP who left the unit prescribes for it no more
  const roles = (await store.searchWithin(db, 'PractitionerRole', [
    ['organization', unit],
    ['practitioner', practitioner],
  ])) as PractitionerRole[];
  return roles.some((role) => {
    return (
      role.active === true &&
      role.code?.some((c) => c.coding?.some((k) => k.system === TEAM_ROLE_SYSTEM && k.code === 'gp'))
    );
  });
}
