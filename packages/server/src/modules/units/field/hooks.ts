/**
 * Write hooks of the field service, inside every write's transaction:
 *  - field records: each identifier a field device minted is written once in units_field_record; a
 *    second resource carrying it fails the transaction (409), so no replay creates anything twice,
 *    whatever path it takes (the sync route, a transaction posted to /fhir/R4 directly);
 *  - the unit's registration: a new Patient whose managingOrganization is a mobile unit, registered
 *    by a member of that unit, opens a `registration` relationship for the unit itself (as the
 *    platform does for the registering practitioner), so the team — the nurse who registered, the
 *    GP on another tablet — records the visit together;
 *  - device gateways: a gateway's client writes only Observations measured by a Device of its unit.
 */
import type {
  Identifier,
  Observation,
  Organization,
  Patient,
  PractitionerRole,
  Resource,
} from '@medplum/fhirtypes';
import { FhirError, type FhirStore, outcome, type SqlExecutor, type WriteHook } from '@sahti/fhir';
import type { AccessLayer } from '../../../access/layer.ts';
import type { RelationGrant } from '../../../access/relations/store.ts';
import { actorReferences } from '../../../access/relations/visible.ts';
import type { Principal } from '../../../kernel/principal.ts';
import { FIELD_RECORD_SYSTEM, GATEWAY_READING_SYSTEM } from '../terms.ts';
import { isUnit } from '../units.ts';

/** The key of a record's device-made identifier in units_field_record (gateway readings apart). */
export function recordKey(system: string | undefined, value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (system === FIELD_RECORD_SYSTEM) return value;
  if (system === GATEWAY_READING_SYSTEM) return `gateway|${value}`;
  return undefined;
}

export function fieldRecordHook(): WriteHook {
  return (changes) => {
    const claims: { value: string; type: string; id: string }[] = [];
    for (const c of changes) {
      if (!c.next || c.previous) continue;
      // most resources hold a list of identifiers; a few (QuestionnaireResponse, Bundle) hold one
      const held = (c.next as { identifier?: Identifier | Identifier[] }).identifier;
      for (const i of held === undefined ? [] : Array.isArray(held) ? held : [held]) {
        const key = recordKey(i.system, i.value);
        if (key) claims.push({ value: key, type: c.resourceType, id: c.id });
      }
    }
    if (claims.length === 0) return undefined;
    return async (tx) => {
      const inserted = await tx.query<{ value: string }>(
        `INSERT INTO units_field_record (value, resource_type, resource_id)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT (value) DO NOTHING RETURNING value`,
        [claims.map((c) => c.value), claims.map((c) => c.type), claims.map((c) => c.id)],
      );
      if (inserted.rows.length !== new Set(claims.map((c) => c.value)).size)
        throw new FhirError(
          409,
          outcome(
            'error',
            'duplicate',
            'A record of this field device was already synchronised: sync again to pick up what exists',
          ),
        );
    };
  };
}

const UNIT_REF = /^Organization\/[A-Za-z0-9\-.]{1,64}$/;

export function unitRegistrationHook(access: AccessLayer, store: FhirStore): WriteHook {
  return (changes, actor) => {
    const principal = actor as Principal | undefined;
    const practitioner = principal?.kind === 'staff' ? principal.fhirUser : undefined;
    if (!practitioner?.startsWith('Practitioner/')) return undefined;
    const registered = changes.filter(
      (c) =>
        c.resourceType === 'Patient' &&
        c.next &&
        !c.previous &&
        UNIT_REF.test((c.next as Patient).managingOrganization?.reference ?? ''),
    );
    if (registered.length === 0) return undefined;
    return async (tx) => {
      const mine = await actorReferences(tx, practitioner);
      const now = new Date();
      const until = new Date(now.getTime() + access.settings.registrationHours * 3_600_000);
      // a sync registers many patients for one unit: ask once per unit, grant in one statement
      const mobile = new Map<string, boolean>();
      const grants: RelationGrant[] = [];
      for (const c of registered) {
        const unit = (c.next as Patient).managingOrganization?.reference as string;
        if (!mine.includes(unit)) continue;
        if (!mobile.has(unit)) mobile.set(unit, await isMobileUnit(store, tx, unit));
        if (!mobile.get(unit)) continue;
        grants.push({
          patientId: c.id,
          actor: unit,
          source: 'registration',
          basis: `registration/${c.id}`,
          grantedBy: practitioner,
          reason: 'registered by a member of the mobile unit',
          start: now,
          end: until,
        });
      }
      await access.relations.grantMany(tx, grants);
    };
  };
}

async function isMobileUnit(store: FhirStore, tx: SqlExecutor, reference: string): Promise<boolean> {
  return isUnit(
    await store.readWithin<Organization>(tx, 'Organization', reference.slice('Organization/'.length)),
  );
}

/** The gateway clients, cached briefly (a write asks on every change of a system client). */
/** The id of every device gateway's client begins with it (field/routes.ts). */
export const GATEWAY_CLIENT_PREFIX = 'gateway-';

export class GatewayRegistry {
  private cache: { at: number; byClient: Map<string, string> } | undefined;
  private readonly db: SqlExecutor;
  constructor(db: SqlExecutor) {
    this.db = db;
  }

  forget(): void {
    this.cache = undefined;
  }

  /** `db`: inside a write, the writing transaction (on the embedded database, the only connection). */
  async unitOf(clientId: string, db: SqlExecutor = this.db): Promise<string | undefined> {
    if (!this.cache || Date.now() - this.cache.at > 5000) {
      const rows = await db.query<{ client_id: string; unit: string }>(
        'SELECT client_id, unit FROM units_gateway',
      );
      this.cache = { at: Date.now(), byClient: new Map(rows.rows.map((r) => [r.client_id, r.unit])) };
    }
    return this.cache.byClient.get(clientId);
  }
}

export function gatewayHook(
  gateways: GatewayRegistry,
  deps: { store: FhirStore; access: AccessLayer },
): WriteHook {
  return (changes, actor) => {
    const principal = actor as Principal | undefined;
    // gateways are system clients registered by /api/units/:id/gateways, always named `gateway-…`:
    // any other client's write stays one statement, without a transaction for this check
    if (principal?.kind !== 'system' || !principal.id.startsWith(GATEWAY_CLIENT_PREFIX)) return undefined;
    return async (tx) => {
      const unit = await gateways.unitOf(principal.id, tx);
      if (!unit) return;
      // asked once a write, however many readings it holds
      let devices: Set<string> | undefined;
      let team: string[] | undefined;
      for (const c of changes) {
        const problem = gatewayWriteProblem(c.next, c.previous);
        if (problem) throw new FhirError(403, outcome('error', 'forbidden', `A device gateway ${problem}`));
        devices ??= new Set(
          (await deps.store.searchWithin(tx, 'Device', [['organization', unit]])).map(
            (d) => `Device/${d.id}`,
          ),
        );
        if (!devices.has((c.next as Observation).device?.reference as string))
          throw new FhirError(
            403,
            outcome('error', 'forbidden', 'A device gateway posts readings of its own unit’s devices only'),
          );
        // on every path (/fhir/R4, bundles), as on the readings route: a patient the unit has in care
        const patient = (c.next as Observation).subject?.reference?.slice('Patient/'.length) as string;
        team ??= await unitTeam(deps.store, tx, unit);
        if (!(await deps.access.relations.inCare(tx, patient, team)))
          throw new FhirError(
            403,
            outcome(
              'error',
              'forbidden',
              'A device gateway posts readings of its unit’s patients only (registered or present)',
            ),
          );
      }
    };
  };
}

/**
 * A unit and the active members of its team (their PractitionerRoles on it, asked of the engine
 * inside the caller's transaction): the care-givers whose relationships with a patient let the
 * unit's devices post readings for them — any but break-the-glass (CareRelations.inCare).
 */
export async function unitTeam(store: FhirStore, db: SqlExecutor, unit: string): Promise<string[]> {
  const roles = (await store.searchWithin(db, 'PractitionerRole', [
    ['organization', unit],
    ['active', 'true'],
  ])) as PractitionerRole[];
  return [unit, ...roles.flatMap((r) => (r.practitioner?.reference ? [r.practitioner.reference] : []))];
}

/** Why a gateway may not make this write (undefined: it may). Pure. */
export function gatewayWriteProblem(
  next: Resource | undefined,
  previous: Resource | undefined,
): string | undefined {
  if (previous || !next) return 'only creates readings: it never changes or deletes a record';
  if (next.resourceType !== 'Observation') return `writes Observations only (not ${next.resourceType})`;
  const o = next as Observation;
  if (!/^Device\/[A-Za-z0-9\-.]{1,64}$/.test(o.device?.reference ?? ''))
    return 'names the Device that measured each reading';
  if (!o.subject?.reference?.startsWith('Patient/')) return 'names the patient of each reading';
  return undefined;
}
