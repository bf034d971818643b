/**
 * The write guard, run before each write lands with the new version and the one it replaces:
 * inside the write's transaction, or — an update, patch or deletion without one — before a write
 * statement that lands only if the version judged is still current. A write must be permitted to the role and by the token's scopes, stay within the
 * patients the writer may see (before and after), leave identity numbers to those entitled to
 * change them, and leave Consents to the patient. Nothing a writer records opens access by itself:
 * that is the care-relationship hook's job (relations/sources.ts), and only for authoritative writers.
 */
import type { Resource, Task } from '@medplum/fhirtypes';
import { compartmentPatients, FhirError, outcome, type WriteGuard } from '@sahti/fhir';
import type { Principal } from '../kernel/principal.ts';
import { identityChange } from './identity.ts';
import { checkPatientWrite } from './patient-writes.ts';
import { isDirectoryType, roleMayWrite } from './policy.ts';
import { scopePermits } from './smart.ts';

const forbidden = (text: string): FhirError => new FhirError(403, outcome('error', 'forbidden', text));
const hidden = (r: Resource): FhirError =>
  new FhirError(404, outcome('error', 'not-found', `${r.resourceType}/${r.id} does not exist`));

export interface GuardContext {
  /** Patients the writer may see, or every patient. */
  visible: () => Promise<ReadonlySet<string> | 'all'>;
  /** References that are the writer (practitioner and their organisations): a Task addressed to them. */
  actors: () => Promise<readonly string[]>;
}

export function writeGuard(principal: Principal, ctx: GuardContext): WriteGuard {
  // patients this request registered (ids the server assigned): a transaction that registers a
  // patient may record their visit too, before the registration relationship is written at its end
  const registered = new Set<string>();
  return async (tx, next, previous) => {
    const type = (next ?? previous)?.resourceType as string;
    const permission = !previous ? 'create' : !next ? 'delete' : 'update';
    const verdict = roleMayWrite(principal, type);
    if (!verdict.allowed) throw forbidden(verdict.reason);
    if (!scopePermits(principal, type, permission))
      throw forbidden(`The access token does not grant ${permission} on ${type}`);
    // a system may file a Consent it holds (a signed paper form), but only the patient's own
    // takes effect (relations/sources.ts); a care-giver can neither write nor withdraw one
    if (type === 'Consent' && principal.kind === 'staff')
      throw forbidden('A Consent is given or withdrawn by the patient (or their legal representative) only');
    const identity = identityChange(next, previous);
    if (identity && !mayChangeIdentity(principal, identity.creating, identity.number))
      throw forbidden(
        identity.number
          ? `${identity.label} can only be changed by an administrator or an authorised system`
          : `${identity.label} is corrected by the care team, an administrator or an authorised system`,
      );

    if (type === 'Task' && principal.kind === 'staff' && next)
      await checkTaskRequester(next as Task, previous as Task | undefined, ctx);

    const visible = await ctx.visible();
    if (visible === 'all') return;
    // administrators set care teams and record the delegations they checked (RelatedPerson)
    if ((type === 'CareTeam' || type === 'RelatedPerson') && principal.roles.includes('administrator'))
      return;
    if (previous && !within(previous, visible)) {
      if (!(await isAcceptanceByOwner(next, previous, ctx))) throw hidden(previous);
      return;
    }
    // a patient changes their own entries only, about themselves (patient-writes.ts)
    if (principal.kind === 'patient') await checkPatientWrite(tx, principal, next, previous, visible);
    if (!next) return;
    if (isShared(next)) return;
    if (next.resourceType === 'Patient' && !previous && principal.kind === 'staff') {
      registered.add(next.id as string);
      return; // registration
    }
    if (compartmentPatients(next).length === 0)
      throw forbidden(`A ${next.resourceType} must name the patient it belongs to`);
    const mine = registered.size > 0 ? { has: (p: string) => visible.has(p) || registered.has(p) } : visible;
    if (!within(next, mine)) throw forbidden('You may only write data of patients in your care');
  };
}

function within(resource: Resource, visible: Pick<Set<string>, 'has'>): boolean {
  const patients = compartmentPatients(resource);
  if (patients.length === 0) return isDirectoryType(resource.resourceType);
  return patients.every((p) => visible.has(p));
}

/** Directory data that names no patient. */
function isShared(resource: Resource): boolean {
  return isDirectoryType(resource.resourceType) && compartmentPatients(resource).length === 0;
}

/**
 * The receiving side of a referral answers a Task addressed to it (accepts, rejects, reports
 * progress) before the patient is in its care; it may not re-address or re-assign the Task.
 */
async function isAcceptanceByOwner(
  next: Resource | undefined,
  previous: Resource,
  ctx: GuardContext,
): Promise<boolean> {
  if (previous.resourceType !== 'Task' || next?.resourceType !== 'Task') return false;
  const before = previous as Task;
  const after = next as Task;
  const owner = before.owner?.reference;
  if (!owner || after.owner?.reference !== owner) return false;
  if (JSON.stringify(after.for) !== JSON.stringify(before.for)) return false;
  if (JSON.stringify(after.focus) !== JSON.stringify(before.focus)) return false;
  if (JSON.stringify(after.requester) !== JSON.stringify(before.requester)) return false;
  return (await ctx.actors()).includes(owner);
}

/**
 * A care-giver asks in their own name: the Task they create names them (or an organisation they
 * work for) as its requester, and no one re-attributes a request afterwards. So a referral's
 * acceptance — which opens the receiving side's access (relations/sources.ts) — always answers
 * someone else's request, never one a clinician wrote for themselves in a colleague's name.
 */
async function checkTaskRequester(next: Task, previous: Task | undefined, ctx: GuardContext): Promise<void> {
  const requester = next.requester?.reference;
  if (previous) {
    if (requester !== previous.requester?.reference)
      throw forbidden('The requester of a Task cannot be changed: write a new request');
    return;
  }
  if (!requester || !(await ctx.actors()).includes(requester))
    throw forbidden('A Task you create names you (or your organisation) as its requester');
}

function mayChangeIdentity(principal: Principal, creating: boolean, number: boolean): boolean {
  if (principal.kind === 'system') return true; // its scopes were checked above
  if (principal.roles.includes('administrator')) return true;
  // registering a new patient or practitioner sets their number; changing it later is not theirs.
  // A birth date registered wrong is corrected by a care-giver of the patient (the care check
  // below still applies) — never by the patient, whose age decides who may act for them
  return principal.kind === 'staff' && (creating || !number);
}
