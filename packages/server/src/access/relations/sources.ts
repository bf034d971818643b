/**
 * The write hook that opens and ends care relationships from authoritative records, inside the
 * writing transaction. Who wrote decides: a clinician's record about themselves opens nothing.
 *
 * | record                         | opens for                         | when written by                          |
 * |--------------------------------|-----------------------------------|------------------------------------------|
 * | Appointment (active status)    | its practitioners                 | the patient it is for, a system, platform |
 * | Encounter                      | its participants                  | a system (hospital IS), platform          |
 * | EpisodeOfCare                  | its care manager                  | a system, platform                        |
 * | CareTeam                       | its members                       | administrator, patient's GP, the patient, a system, platform |
 * | Patient.generalPractitioner    | the GP                            | the patient, a system, platform           |
 * | Task accepted                  | its owner                         | the owner (not the requester), a system, platform |
 * | RelatedPerson (documented)     | a delegate acting for the patient | administrator, system, platform, the adult patient |
 * Cancelled, rejected, finished or deleted records end what they opened (finished ones after the
 * follow-up window). Consents are recorded as effective only when the patient wrote them.
 */
import type {
  Appointment,
  CareTeam,
  Consent,
  Encounter,
  EpisodeOfCare,
  Patient,
  Reference,
  RelatedPerson,
  Task,
} from '@medplum/fhirtypes';
import type { SqlExecutor, WriteChange, WriteHook } from '@sahti/fhir';
import type { Principal } from '../../kernel/principal.ts';
import { delegationFor, delegationPlan } from './dependants.ts';
import type { CareRelations, RelationGrant, RelationSource } from './store.ts';
import { actorReferences } from './visible.ts';

export interface RelationTiming {
  /** Days a booking, a visit or an accepted referral keeps the relationship open after it ends. */
  followUpDays: number;
  /** Days an accepted referral lasts when its Task gives no period. */
  referralDays: number;
  /** Hours a care-giver who registered a new patient keeps access to the new record. */
  registrationHours: number;
}

type Effect = (tx: SqlExecutor) => Promise<void>;
/**
 * What one change does: `grants`, opened together with those of the write's other changes (one
 * statement), then `afterGrants` — ending what it no longer names, or work that must read first.
 */
interface Plan {
  basis: string;
  grants: RelationGrant[];
  afterGrants?: Effect;
}
type Writer =
  | { kind: 'platform' | 'system'; grantedBy: string }
  | { kind: 'patient'; grantedBy: string; patientId: string }
  | { kind: 'staff'; grantedBy: string; practitioner?: string; roles: string[] };

/** Types whose writes may change who sees whom (the access cache is dropped after them). */
export const RELATION_TYPES = new Set([
  'Appointment',
  'Encounter',
  'EpisodeOfCare',
  'CareTeam',
  'Patient',
  'Task',
  'Consent',
  'PractitionerRole',
  'RelatedPerson',
]);

const DAY = 86_400_000;
const ACTIVE_APPOINTMENT = new Set([
  'proposed',
  'pending',
  'booked',
  'arrived',
  'checked-in',
  'fulfilled',
  'waitlist',
]);
const ACCEPTED_TASK = new Set(['accepted', 'in-progress']);
const PENDING_TASK = new Set(['requested', 'received', 'ready']);
const CLOSED_TASK = new Set(['rejected', 'cancelled', 'failed', 'entered-in-error']);

export function writerOf(actor: unknown): Writer {
  const principal = actor as Principal | undefined;
  if (!principal) return { kind: 'platform', grantedBy: 'platform' };
  if (principal.kind === 'system') return { kind: 'system', grantedBy: `client:${principal.id}` };
  const me = principal.fhirUser;
  if (principal.kind === 'patient' && me?.startsWith('Patient/'))
    return { kind: 'patient', grantedBy: me, patientId: me.slice('Patient/'.length) };
  return {
    kind: 'staff',
    grantedBy: me ?? `account:${principal.id}`,
    ...(me?.startsWith('Practitioner/') ? { practitioner: me } : {}),
    roles: principal.roles,
  };
}

export function careRelationHook(
  relations: CareRelations,
  timing: RelationTiming,
  onRelevantWrite: () => void,
): WriteHook {
  return (changes, actor) => {
    const writer = writerOf(actor);
    const plans: Plan[] = [];
    for (const change of changes) {
      const type = change.next?.resourceType ?? change.previous?.resourceType ?? change.resourceType;
      if (!RELATION_TYPES.has(type)) continue;
      onRelevantWrite();
      const plan = planFor(type, change, writer, relations, timing);
      if (plan && (plan.grants.length > 0 || plan.afterGrants)) plans.push(plan);
    }
    if (plans.length === 0) return undefined;
    return (tx) => runPlans(tx, relations, plans);
  };
}

/**
 * All the write's grants in one statement, then each change's `afterGrants` in order. Granting
 * ahead is safe because a change touches only the relationships of its own basis (a bundle names a
 * resource once), and the one read across bases — a staff CareTeam writer's GP check — cannot see
 * a grant of the same write (staff writes open no GP relationship). Should a basis come twice, the
 * plans run one after the other, as before.
 */
async function runPlans(tx: SqlExecutor, relations: CareRelations, plans: Plan[]): Promise<void> {
  if (new Set(plans.map((p) => p.basis)).size < plans.length) {
    for (const plan of plans) await runPlan(tx, relations, plan);
    return;
  }
  await relations.grantMany(
    tx,
    plans.flatMap((p) => p.grants),
  );
  for (const plan of plans) await plan.afterGrants?.(tx);
}

async function runPlan(tx: SqlExecutor, relations: CareRelations, plan: Plan): Promise<void> {
  await relations.grantMany(tx, plan.grants);
  await plan.afterGrants?.(tx);
}

function planFor(
  type: string,
  change: WriteChange,
  writer: Writer,
  relations: CareRelations,
  timing: RelationTiming,
): Plan | undefined {
  const basis = `${type}/${change.id}`;
  const only = (effect: Effect | undefined): Plan | undefined =>
    effect ? { basis, grants: [], afterGrants: effect } : undefined;
  const trusted = writer.kind === 'platform' || writer.kind === 'system';
  const end = (reason: string, at?: Date): Plan | undefined =>
    only(async (tx) => {
      await relations.end(tx, basis, reason, at ? { at } : {});
    });
  // a new record (or one re-created after its deletion, which ended them) has no relationships
  // on its basis yet: nothing it no longer names
  const endRemoved = (stillNamed: string[]): Effect | undefined =>
    change.previous
      ? async (tx) => void (await relations.end(tx, basis, 'no longer named', { keepActors: stillNamed }))
      : undefined;
  if (type === 'RelatedPerson')
    return only(
      delegationPlan(change.next as RelatedPerson | undefined, change.id, {
        kind: writer.kind,
        grantedBy: writer.grantedBy,
        ...(writer.kind === 'patient' ? { patientId: writer.patientId } : {}),
        ...(writer.kind === 'staff' ? { roles: writer.roles } : {}),
      }),
    );
  if (!change.next) {
    if (type === 'Consent') return only(async (tx) => void (await forgetConsent(tx, change.id)));
    return type === 'PractitionerRole' ? undefined : end('record deleted');
  }
  const grantAll = (
    patientId: string | undefined,
    actors: string[],
    source: RelationSource,
    start: Date,
    until: Date | undefined,
  ): Plan | undefined => {
    if (!patientId) return undefined;
    const grants = actors.map((actor) => {
      const grant: RelationGrant = { patientId, actor, source, basis, grantedBy: writer.grantedBy, start };
      if (until) grant.end = until;
      return grant;
    });
    const ending = endRemoved(actors);
    return { basis, grants, ...(ending ? { afterGrants: ending } : {}) };
  };
  const now = new Date();
  switch (type) {
    case 'Appointment': {
      const a = change.next as Appointment;
      if (!ACTIVE_APPOINTMENT.has(a.status)) return end(`appointment ${a.status}`);
      const patientId = idOf(
        a.participant?.map((p) => p.actor),
        'Patient',
      );
      const byPatient = writer.kind === 'patient' && writer.patientId === patientId;
      const practitioners = referencesTo(
        a.participant?.filter((p) => p.status !== 'declined').map((p) => p.actor),
        ['Practitioner'],
      );
      if (!trusted && !byPatient) return only(endRemoved(practitioners));
      const last = new Date(a.end ?? a.start ?? now.toISOString());
      return grantAll(patientId, practitioners, 'booking', now, after(last, timing.followUpDays, now));
    }
    case 'Encounter': {
      const e = change.next as Encounter;
      if (e.status === 'cancelled' || e.status === 'entered-in-error') return end(`encounter ${e.status}`);
      const practitioners = referencesTo(
        e.participant?.map((p) => p.individual),
        ['Practitioner'],
      );
      if (!trusted) return only(endRemoved(practitioners));
      const last = new Date(e.period?.end ?? e.period?.start ?? now.toISOString());
      const start = e.period?.start ? new Date(e.period.start) : now;
      return grantAll(
        idOf([e.subject], 'Patient'),
        practitioners,
        'encounter',
        start,
        after(last, timing.followUpDays, now),
      );
    }
    case 'EpisodeOfCare': {
      const e = change.next as EpisodeOfCare;
      if (e.status === 'cancelled' || e.status === 'entered-in-error') return end(`episode ${e.status}`);
      const managers = referencesTo([e.careManager], ['Practitioner']);
      if (!trusted) return only(endRemoved(managers));
      const until = e.period?.end ? after(new Date(e.period.end), timing.followUpDays, now) : undefined;
      return grantAll(idOf([e.patient], 'Patient'), managers, 'episode', now, until);
    }
    case 'CareTeam': {
      const team = change.next as CareTeam;
      if (team.status === 'inactive' || team.status === 'entered-in-error')
        return end(`care team ${team.status}`);
      const patientId = idOf([team.subject], 'Patient');
      const members = referencesTo(
        team.participant?.map((p) => p.member),
        ['Practitioner', 'Organization'],
      );
      const start = team.period?.start ? new Date(team.period.start) : now;
      const until = team.period?.end ? new Date(team.period.end) : undefined;
      const grant = grantAll(patientId, members, 'care-team', start, until);
      if (trusted || (writer.kind === 'patient' && writer.patientId === patientId)) return grant;
      if (writer.kind === 'staff' && writer.roles.includes('administrator')) return grant;
      if (writer.kind === 'staff' && writer.practitioner && patientId && grant) {
        const practitioner = writer.practitioner;
        const removed = endRemoved(members);
        return only(async (tx) => {
          if (await isGeneralPractitioner(tx, patientId, practitioner)) await runPlan(tx, relations, grant);
          else await removed?.(tx);
        });
      }
      return only(endRemoved(members));
    }
    case 'Patient': {
      // a new record registered by a care-giver who has the person in front of them (a new CNIE
      // cannot be anyone else's: numbers are unique); they may go on recording the visit
      if (!change.previous && writer.kind === 'staff' && writer.practitioner) {
        const registrar = writer.practitioner;
        const gp = gpPlan(change, writer, relations, basis, now, trusted);
        const registration: RelationGrant = {
          patientId: change.id,
          actor: registrar,
          source: 'registration',
          basis: `registration/${change.id}`,
          grantedBy: registrar,
          start: now,
          end: new Date(now.getTime() + timing.registrationHours * 3_600_000),
        };
        return {
          basis,
          grants: [registration, ...(gp?.grants ?? [])],
          ...(gp?.afterGrants ? { afterGrants: gp.afterGrants } : {}),
        };
      }
      return gpPlan(change, writer, relations, basis, now, trusted);
    }
    case 'Task':
      return only(taskPlan(change, writer, relations, timing, basis, now));
    case 'Consent':
      return only(consentPlan(change.next as Consent, change.id, writer));
    default:
      return undefined;
  }
}

/** Patient.generalPractitioner, named by the patient or a trusted system, opens the GP relationship. */
function gpPlan(
  change: WriteChange,
  writer: Writer,
  relations: CareRelations,
  basis: string,
  now: Date,
  trusted: boolean,
): Plan | undefined {
  const patient = change.next as Patient;
  const gps = referencesTo(patient.generalPractitioner, ['Practitioner', 'Organization']);
  const bySelf = writer.kind === 'patient' && writer.patientId === change.id;
  const before = referencesTo((change.previous as Patient | undefined)?.generalPractitioner, [
    'Practitioner',
    'Organization',
  ]);
  // The relationships open on this basis are those of GPs the replaced version names, at most:
  // only this plan grants on a Patient's basis, every write of a Patient plans here, and each ends
  // the GPs it drops (a trusted or own write opens those it names and ends the rest; another write
  // opens none), a deletion ends them all. So when the new version still names every GP the
  // replaced one did, there is nothing to end — a new record has none either
  const dropped = before.some((actor) => !gps.includes(actor));
  const endOthers = (reason: string): Effect | undefined =>
    dropped ? async (tx) => void (await relations.end(tx, basis, reason, { keepActors: gps })) : undefined;
  if (!trusted && !bySelf) {
    if (sameSet(before, gps)) return undefined;
    const ending = endOthers('no longer named');
    return ending ? { basis, grants: [], afterGrants: ending } : undefined;
  }
  const grants = gps.map(
    (actor): RelationGrant => ({
      patientId: change.id,
      actor,
      source: 'gp',
      basis,
      grantedBy: writer.grantedBy,
      start: now,
    }),
  );
  const ending = endOthers('no longer the GP');
  return { basis, grants, ...(ending ? { afterGrants: ending } : {}) };
}

function taskPlan(
  change: WriteChange,
  writer: Writer,
  relations: CareRelations,
  timing: RelationTiming,
  basis: string,
  now: Date,
): Effect | undefined {
  const task = change.next as Task;
  const before = change.previous as Task | undefined;
  if (CLOSED_TASK.has(task.status))
    return async (tx) => void (await relations.end(tx, basis, `task ${task.status}`));
  if (task.status === 'completed') {
    const at = after(now, timing.followUpDays, now);
    return async (tx) => void (await relations.end(tx, basis, 'task completed', { at }));
  }
  if (!ACCEPTED_TASK.has(task.status) || (before && ACCEPTED_TASK.has(before.status))) return undefined;
  const patientId = idOf([task.for], 'Patient');
  const owner = task.owner?.reference;
  if (!patientId || !owner) return undefined;
  const longest = new Date(now.getTime() + timing.referralDays * DAY);
  const asked = task.restriction?.period?.end ? new Date(task.restriction.period.end) : undefined;
  const trusted = writer.kind === 'platform' || writer.kind === 'system';
  // a care-giver's acceptance holds SAHTI_REFERRAL_DAYS at most, whatever period the Task asks for
  const until = asked && !Number.isNaN(asked.getTime()) && (trusted || asked < longest) ? asked : longest;
  const open =
    (actor: string): Effect =>
    async (tx) =>
      void (await relations.grant(tx, {
        patientId,
        actor,
        source: 'referral',
        basis,
        grantedBy: writer.grantedBy,
        start: now,
        end: until,
      }));
  if (trusted) return open(owner);
  if (writer.kind !== 'staff' || !writer.practitioner) return undefined;
  // an acceptance answers a pending request: a Task created accepted, or a closed one accepted
  // again (cancelled, completed), opens nothing
  if (!before || !PENDING_TASK.has(before.status)) return undefined;
  // the receiving side accepts: the owner, or a member of the owning organisation — never the requester
  const practitioner = writer.practitioner;
  if (task.requester?.reference === practitioner || before?.requester?.reference === practitioner)
    return undefined;
  return async (tx) => {
    const mine = await actorReferences(tx, practitioner);
    if (mine.includes(owner)) await open(practitioner)(tx);
  };
}

/**
 * A Consent takes effect only when the patient it is about wrote it, a delegate acting for them
 * (a parent for a child, an adult for a parent: the author recorded is their RelatedPerson), or the
 * platform.
 */
function consentPlan(consent: Consent, id: string, writer: Writer): Effect {
  const patientId = idOf([consent.patient], 'Patient');
  const author =
    writer.kind === 'platform'
      ? 'platform'
      : writer.kind === 'patient' && writer.patientId === patientId
        ? writer.grantedBy
        : undefined;
  return async (tx) => {
    let by = author;
    if (!by && writer.kind === 'patient' && patientId)
      by = await delegationFor(tx, patientId, writer.patientId);
    if (!by || !patientId) {
      await forgetConsent(tx, id);
      return;
    }
    await tx.query(
      `INSERT INTO consent_author (consent_id, patient_id, author) VALUES ($1::text, $2::text, $3::text)
       ON CONFLICT (consent_id) DO UPDATE SET patient_id = EXCLUDED.patient_id, author = EXCLUDED.author, recorded_at = now()`,
      [id, patientId, by],
    );
  };
}

async function forgetConsent(tx: SqlExecutor, id: string): Promise<void> {
  await tx.query('DELETE FROM consent_author WHERE consent_id = $1::text', [id]);
}

async function isGeneralPractitioner(
  tx: SqlExecutor,
  patientId: string,
  practitioner: string,
): Promise<boolean> {
  const rows = await tx.query(
    `SELECT 1 FROM care_relation WHERE patient_id = $1::text AND actor = $2::text AND source = 'gp'
        AND start_at <= now() AND (end_at IS NULL OR end_at > now()) LIMIT 1`,
    [patientId, practitioner],
  );
  return rows.rows.length > 0;
}

function after(date: Date, days: number, floor: Date): Date {
  const end = new Date(date.getTime() + days * DAY);
  return Number.isNaN(end.getTime()) ? new Date(floor.getTime() + days * DAY) : end;
}

function referencesTo(refs: (Reference | undefined)[] | undefined, types: string[]): string[] {
  const out = new Set<string>();
  for (const ref of refs ?? []) {
    const value = ref?.reference;
    if (
      value &&
      types.some((t) => value.startsWith(`${t}/`)) &&
      /^[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(value)
    )
      out.add(value);
  }
  return [...out];
}

function idOf(refs: (Reference | undefined)[] | undefined, type: string): string | undefined {
  return referencesTo(refs, [type])[0]?.slice(type.length + 1);
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
