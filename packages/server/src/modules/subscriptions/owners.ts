/**
 * Who each Subscription belongs to: the principal that created it (a system client, a patient or a
 * staff member), recorded by a write hook in the creating transaction. Notifications are decided
 * as that subscriber, with their rights as they are at the time (subscriberNow): an account or
 * client that is gone gets nothing, a clinician's care relationships and a patient's consents are
 * those of the moment. Only the subscriber sees or changes their Subscriptions.
 */
import type { Subscription } from '@medplum/fhirtypes';
import { FhirError, outcome, type SqlExecutor, type WriteHook } from '@sahti/fhir';
import { findAccount } from '../../auth/accounts.ts';
import { findClient } from '../../auth/clients.ts';
import { ROLE_SCOPES } from '../../auth/index.ts';
import type { Principal } from '../../kernel/principal.ts';
import type { HostRule } from './endpoint-guard.ts';
import { subscriptionSpec } from './spec.ts';

export const OWNER_MIGRATION = {
  version: 2500,
  name: 'subscription owners',
  sql: `
CREATE TABLE subscription_owner (
  id text PRIMARY KEY,
  owner_key text NOT NULL,
  principal jsonb NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscription_owner_key ON subscription_owner (owner_key) WHERE NOT deleted;
`,
};

/** What is kept of the creator: enough to act as them later (never their address or token). */
export type SubscriberSnapshot = Pick<
  Principal,
  'kind' | 'id' | 'roles' | 'fhirUser' | 'scopes' | 'display' | 'clientId'
>;

export const ownerKey = (p: Pick<Principal, 'kind' | 'id'>): string => `${p.kind}:${p.id}`;

export function isPrincipal(actor: unknown): actor is Principal {
  const p = actor as Principal | undefined;
  return typeof p?.kind === 'string' && typeof p.id === 'string' && Array.isArray(p.scopes);
}

function snapshot(p: Principal): SubscriberSnapshot {
  return {
    kind: p.kind,
    id: p.id,
    roles: p.roles,
    ...(p.fhirUser ? { fhirUser: p.fhirUser } : {}),
    scopes: p.scopes,
    display: p.display,
    clientId: p.clientId,
  };
}

const hidden = (id: string) =>
  new FhirError(404, outcome('error', 'not-found', `Subscription/${id} does not exist`));

/**
 * The write hook: every Subscription written by a caller is checked (spec.ts) and kept to its
 * creator — on every path, bundles included. The platform's own writes (status changes) pass.
 */
export function subscriptionOwnerHook(settings: { hosts: HostRule[]; perOwner: number }): WriteHook {
  return (changes, actor) => {
    const mine = changes.filter((c) => c.resourceType === 'Subscription');
    if (mine.length === 0 || actor === undefined) return undefined;
    if (!isPrincipal(actor))
      throw new FhirError(
        403,
        outcome('error', 'forbidden', 'Subscriptions are written by signed-in callers'),
      );
    for (const change of mine) if (change.next) subscriptionSpec(change.next as Subscription, settings.hosts);
    const key = ownerKey(actor);
    return async (tx) => {
      for (const change of mine) {
        const row = (
          await tx.query<{ owner_key: string }>(
            'SELECT owner_key FROM subscription_owner WHERE id = $1::text FOR UPDATE',
            [change.id],
          )
        ).rows[0];
        if (row && row.owner_key !== key) throw hidden(change.id);
        if (!row) {
          // an existing Subscription nobody owns (written before this module) goes to a system only
          if (change.previous && actor.kind !== 'system') throw hidden(change.id);
          await assertBelowLimit(tx, key, settings.perOwner);
          await tx.query(
            'INSERT INTO subscription_owner (id, owner_key, principal, deleted) VALUES ($1::text, $2::text, $3::jsonb, $4::boolean)',
            [change.id, key, JSON.stringify(snapshot(actor)), !change.next],
          );
        } else {
          if (change.next && !change.previous) await assertBelowLimit(tx, key, settings.perOwner);
          await tx.query('UPDATE subscription_owner SET deleted = $2::boolean WHERE id = $1::text', [
            change.id,
            !change.next,
          ]);
        }
      }
    };
  };
}

async function assertBelowLimit(tx: SqlExecutor, key: string, limit: number): Promise<void> {
  const n = await tx.query<{ n: string }>(
    'SELECT count(*)::text AS n FROM subscription_owner WHERE owner_key = $1::text AND NOT deleted',
    [key],
  );
  if (Number(n.rows[0].n) >= limit)
    throw new FhirError(
      429,
      outcome('error', 'throttled', `At most ${limit} Subscriptions per subscriber: delete one first`),
    );
}

/** Ids of the caller's Subscriptions (deleted ones too: their history stays theirs). */
export async function ownedIds(db: SqlExecutor, principal: Principal): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    'SELECT id FROM subscription_owner WHERE owner_key = $1::text ORDER BY created_at LIMIT 1000',
    [ownerKey(principal)],
  );
  return rows.rows.map((r) => r.id);
}

/** Who owns a Subscription: the caller, someone else, or nobody on record. */
export async function ownership(
  db: SqlExecutor,
  id: string,
  principal: Principal,
): Promise<'mine' | 'other' | 'none'> {
  const row = (
    await db.query<{ owner_key: string }>('SELECT owner_key FROM subscription_owner WHERE id = $1::text', [
      id,
    ])
  ).rows[0];
  if (!row) return 'none';
  return row.owner_key === ownerKey(principal) ? 'mine' : 'other';
}

export async function subscriberSnapshots(
  db: SqlExecutor,
  ids: readonly string[],
): Promise<Map<string, SubscriberSnapshot>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<{ id: string; principal: SubscriberSnapshot | string }>(
    'SELECT id, principal FROM subscription_owner WHERE id = ANY($1::text[])',
    [ids],
  );
  return new Map(
    rows.rows.map((r) => [
      r.id,
      typeof r.principal === 'string' ? (JSON.parse(r.principal) as SubscriberSnapshot) : r.principal,
    ]),
  );
}

/**
 * The subscriber as they are now: undefined when their account or client is gone. A browser
 * session's rights follow the account's current roles; an app's stay those its token was granted.
 */
export async function subscriberNow(db: SqlExecutor, s: SubscriberSnapshot): Promise<Principal | undefined> {
  if (s.kind === 'system') {
    const client = await findClient(db, s.id);
    return client?.kind === 'system' ? { ...s } : undefined;
  }
  const account = await findAccount(db, s.id);
  if (!account || account.kind !== s.kind) return undefined;
  return {
    ...s,
    roles: account.roles,
    ...(account.fhirUser ? { fhirUser: account.fhirUser } : {}),
    scopes: s.clientId === 'web' ? account.roles.map((r) => ROLE_SCOPES[r]) : s.scopes,
    display: account.displayName,
  };
}
