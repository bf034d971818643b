/**
 * The access layer assembled for one platform: the care-relationship door services use, the cache
 * of who sees whom, the write hook that opens relationships from authoritative records, and the
 * audit of every relationship opened or ended (it shows in the patient's access log).
 */
import type { FhirResponse, FhirStore, RequestAccess, SqlExecutor } from '@sahti/fhir';
import type { AuditLog } from '../audit/index.ts';
import type { Principal } from '../kernel/principal.ts';
import { careTeamContactNoticeHook } from './contact-notice-hook.ts';
import { resolveAccess } from './index.ts';
import { patientAuthorshipHook } from './patient-writes.ts';
import { careRelationHook, RELATION_TYPES } from './relations/sources.ts';
import { type CareRelation, CareRelations } from './relations/store.ts';
import { CareViewCache } from './relations/visible.ts';

export interface AccessSettings {
  followUpDays: number;
  referralDays: number;
  presenceHours: number;
  presenceCodeMinutes: number;
  registrationHours: number;
  /** How long a care-giver's view is cached (0: not at all). */
  cacheMs: number;
}

export function readAccessSettings(env: NodeJS.ProcessEnv = process.env): AccessSettings {
  const number = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
    return value;
  };
  return {
    followUpDays: number('SAHTI_FOLLOW_UP_DAYS', 30),
    referralDays: number('SAHTI_REFERRAL_DAYS', 90),
    presenceHours: number('SAHTI_PRESENCE_HOURS', 24),
    presenceCodeMinutes: number('SAHTI_PRESENCE_CODE_MINUTES', 10),
    registrationHours: number('SAHTI_REGISTRATION_HOURS', 24),
    cacheMs: number('SAHTI_ACCESS_CACHE_MS', 5000),
  };
}

export interface AccessLayer {
  settings: AccessSettings;
  /** Services open and end care relationships through this (in their own transaction). */
  relations: CareRelations;
  careViews: CareViewCache;
  resolve(principal: Principal): Promise<RequestAccess>;
  /** After a request has committed: drops cached views when it wrote something that matters. */
  afterResponse(res: FhirResponse): void;
}

export function createAccessLayer(
  deps: { db: SqlExecutor; store: FhirStore; audit: AuditLog },
  settings: AccessSettings = readAccessSettings(),
): AccessLayer {
  const relations = new CareRelations();
  const careViews = new CareViewCache({ ttlMs: settings.cacheMs });
  relations.onChange(({ kind, relation }) => {
    careViews.invalidate();
    if (relation.source !== 'break-glass') deps.audit.record(relationAudit(kind, relation));
  });
  deps.store.addHook(careRelationHook(relations, settings, () => careViews.invalidate()));
  deps.store.addHook(patientAuthorshipHook());
  deps.store.addHook(careTeamContactNoticeHook());
  return {
    settings,
    relations,
    careViews,
    resolve: (principal) => resolveAccess({ db: deps.db, careViews }, principal),
    afterResponse(res) {
      const wrote = (res.audit ?? []).some(
        (r) =>
          r.status < 400 &&
          ['create', 'update', 'patch', 'delete'].includes(r.interaction) &&
          RELATION_TYPES.has(r.resourceType ?? ''),
      );
      if (wrote) careViews.invalidate();
    },
  };
}

/** A relationship opened or ended, as the patient's access log shows it: who, why, until when. */
function relationAudit(kind: 'granted' | 'ended', relation: CareRelation) {
  const actor = relation.actor;
  return {
    principal: {
      kind: 'staff' as const,
      id: relation.grantedBy,
      roles: [],
      fhirUser: actor,
      scopes: [],
      display: actor,
      clientId: 'platform',
    },
    interaction: kind === 'granted' ? ('care-relation-start' as const) : ('care-relation-end' as const),
    resourceType: 'Patient',
    ids:
      relation.basis && !relation.basis.startsWith('presence/') && !relation.basis.startsWith('break-glass/')
        ? [relation.basis]
        : [],
    patientIds: [relation.patientId],
    outcome: 200,
    outcomeDesc: `${relation.source}: granted by ${relation.grantedBy}${relation.end ? `, until ${relation.end.toISOString()}` : ''}${relation.endReason ? ` (${relation.endReason})` : ''}`,
  };
}
