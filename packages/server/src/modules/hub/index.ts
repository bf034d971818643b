/**
 * The central tele-expertise hub: specialists of seven specialties answer the mobile units'
 * requests (ServiceRequest + Task owned by the specialty's Organization). Live queues per specialty
 * ordered by urgency, acceptance (which opens the specialist's referral relationship, access v2),
 * answers (advice, referral, video call) that return to the unit, and response times.
 */
import type { Organization } from '@medplum/fhirtypes';
import type { ModuleContext, SahtiModule } from '../../kernel/module.ts';
import { HUB_MIGRATIONS } from './migrations.ts';
import { readServiceLevels } from './queue.ts';
import { registerHubRoutes } from './routes.ts';
import { HUB_ORGANIZATION_TYPE, HUB_SPECIALTIES, hubOrganizationId } from './terms.ts';
import { trackingHook } from './tracking.ts';

const NAMES: Record<string, string> = {
  'gyneco-obstetrics': 'Gynécologie-obstétrique',
  pediatrics: 'Pédiatrie',
  endocrinology: 'Endocrinologie',
  dermatology: 'Dermatologie',
  ent: 'ORL',
  cardiology: 'Cardiologie',
  pulmonology: 'Pneumologie',
};

export const hubModule: SahtiModule = {
  name: 'hub',
  migrations: HUB_MIGRATIONS,
  async register(ctx) {
    ctx.store.addHook(trackingHook());
    registerHubRoutes(ctx, readServiceLevels());
    await publishSpecialties(ctx);
  },
  async seedDemo(ctx) {
    const { findAccountByLogin } = await import('../../auth/accounts.ts');
    const account = (await findAccountByLogin(ctx.db, 'hub-specialist@demo.sahti.ma')) as
      | { fhirUser?: string }
      | undefined;
    if (!account?.fhirUser?.startsWith('Practitioner/')) return 0;
    const id = `hub-${account.fhirUser.slice(13)}-cardiology`.slice(0, 64);
    if (await ctx.store.readIfPresent('PractitionerRole', id)) return 0;
    await ctx.store.update('PractitionerRole', id, {
      resourceType: 'PractitionerRole',
      id,
      active: true,
      practitioner: { reference: account.fhirUser },
      organization: { reference: `Organization/${hubOrganizationId('cardiology')}` },
    });
    return 1;
  },
};

/** The hub and one Organization per specialty (the owners of requests), written when missing. */
async function publishSpecialties(ctx: ModuleContext): Promise<void> {
  if (await ctx.store.readIfPresent('Organization', 'hub')) return;
  const entries = [
    {
      resourceType: 'Organization',
      id: 'hub',
      active: true,
      name: 'Plateau central de télé-expertise',
    } as Organization,
    ...HUB_SPECIALTIES.map(
      (s): Organization => ({
        resourceType: 'Organization',
        id: hubOrganizationId(s),
        active: true,
        name: `Télé-expertise : ${NAMES[s]}`,
        partOf: { reference: 'Organization/hub' },
        type: [
          {
            coding: [
              { system: 'https://sahti.ma/fhir/CodeSystem/organization-type', code: HUB_ORGANIZATION_TYPE },
            ],
          },
        ],
      }),
    ),
  ].map((r) => ({ resource: r, request: { method: 'PUT', url: `Organization/${r.id}` } }));
  const res = await ctx.fhir.handle({
    method: 'POST',
    path: '/',
    query: [],
    headers: {},
    body: { resourceType: 'Bundle', type: 'transaction', entry: entries },
  });
  if (res.status !== 200) ctx.log.warn(`hub: specialties not published (${res.status})`);
}
