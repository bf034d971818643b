/**
 * Guest dialysis ("dialyse en vacances"): a haemodialysis patient books the sessions of a trip at
 * a centre of the network, at their rhythm, and their summary goes ahead; the destination accepts
 * with a chair and shift per session (booked through scheduling's slots: never twice), its staff
 * get access for the stay, sessions recorded there come back to the home record. See README.md.
 */
import type { Schedule } from '@medplum/fhirtypes';
import { createAccount, findAccountByLogin } from '../../auth/accounts.ts';
import { secretKeyFrom } from '../../auth/config.ts';
import type { SahtiModule } from '../../kernel/module.ts';
import { registerTemplates } from '../../notify/index.ts';
import { materializeSchedules } from '../scheduling/materialize.ts';
import { addSummarySection } from '../summary/index.ts';
import { centreProjectionHook, chairOf } from './centres.ts';
import { watchCrossBorderReads } from './cross-border.ts';
import {
  buildDialysisDemo,
  DEMO_DESTINATION_LOGIN,
  DEMO_DIALYSIS_PATIENT_CNIE,
  DEMO_HOME_NEPHROLOGIST_LOGIN,
  DIALYSIS_DEMO_MARKER,
  DIALYSIS_DEMO_SYSTEM,
} from './demo.ts';
import { seedDemoStays } from './demo-stays.ts';
import type { DialysisDeps } from './deps.ts';
import { CHAIRS_JOB, registerJobs } from './jobs.ts';
import { DIALYSIS_TEMPLATES } from './messages.ts';
import { DIALYSIS_MIGRATIONS } from './migrations.ts';
import { protectHook } from './protect.ts';
import { registerDialysisRoutes } from './routes.ts';
import { readDialysisSettings } from './settings.ts';
import { dialysisSection } from './summary-section.ts';

/** Days of guest slots derived at the first start (the job derives the full horizon a minute later). */
const FIRST_START_DAYS = 21;
const DEMO_PASSWORD = 'sahti-demo-2026';
const DEMO_TOTP_SECRET = 'SAHTIDEMOSTAFFTOTPSECRET234567AB';

export const dialysisModule: SahtiModule = {
  name: 'dialysis',
  migrations: DIALYSIS_MIGRATIONS,
  register(ctx) {
    const deps: DialysisDeps = { ctx, settings: readDialysisSettings() };
    registerTemplates(DIALYSIS_TEMPLATES);
    ctx.store.addHook(centreProjectionHook(ctx.store));
    ctx.store.addHook(protectHook());
    addSummarySection(dialysisSection);
    registerDialysisRoutes(deps);
    registerJobs(deps);
    watchCrossBorderReads(deps);
  },
  async seedDemo(ctx) {
    const marker = await ctx.store.search('Organization', [
      ['identifier', `${DIALYSIS_DEMO_SYSTEM}|${DIALYSIS_DEMO_MARKER}`],
    ]);
    if (marker.matches.length > 0) return 0;
    const demo = buildDialysisDemo(new Date());
    const res = await ctx.fhir.handle({
      method: 'POST',
      path: '/',
      query: [],
      headers: {},
      body: demo.bundle,
    });
    if (res.status !== 200)
      throw new Error(`dialysis demo refused: ${JSON.stringify(res.body).slice(0, 400)}`);
    const entries =
      (
        res.body as {
          entry?: { response?: { location?: string }; resource?: { resourceType: string; id?: string } }[];
        }
      ).entry ?? [];
    const idOf = (fullUrl: string) => {
      const i = demo.bundle.entry?.findIndex((e) => e.fullUrl === fullUrl) ?? -1;
      const r = entries[i]?.resource;
      return r ? `${r.resourceType}/${r.id}` : (entries[i]?.response?.location?.split('/_history')[0] ?? '');
    };
    const secretKey = secretKeyFrom(process.env);
    const account = async (login: string, make: () => Promise<unknown>) => {
      if (!(await findAccountByLogin(ctx.db, login))) await make();
    };
    await account(DEMO_DIALYSIS_PATIENT_CNIE, () =>
      createAccount(
        ctx.db,
        {
          kind: 'patient',
          login: DEMO_DIALYSIS_PATIENT_CNIE,
          password: DEMO_PASSWORD,
          email: 'dialyse.patiente@demo.sahti.ma',
          phone: '+212600000011',
          roles: ['patient'],
          fhirUser: idOf(demo.patient),
          displayName: 'Patiente dialysée (démo)',
          demo: true,
        },
        secretKey,
      ),
    );
    for (const [login, roles, who, display] of [
      [DEMO_HOME_NEPHROLOGIST_LOGIN, ['doctor'], demo.homeNephrologist, 'Néphrologue, Rabat (démo)'],
      [
        DEMO_DESTINATION_LOGIN,
        ['dialysis-coordinator', 'nurse'],
        demo.destinationNurse,
        'Coordination dialyse, Agadir (démo)',
      ],
    ] as const) {
      await account(login, () =>
        createAccount(
          ctx.db,
          {
            kind: 'staff',
            login,
            password: DEMO_PASSWORD,
            email: login,
            roles: [...roles],
            fhirUser: idOf(who),
            displayName: display,
            totpSecret: DEMO_TOTP_SECRET,
            demo: true,
          },
          secretKey,
        ),
      );
    }
    const schedules = entries
      .map((e) => e.resource)
      .filter((r): r is Schedule => r?.resourceType === 'Schedule' && !!chairOf(r as Schedule));
    const [slots] = await materializeSchedules(ctx.fhir, ctx.db, schedules, FIRST_START_DAYS);
    const named = (fullUrl: string) => {
      const entry = demo.bundle.entry?.find((e) => e.fullUrl === fullUrl);
      const name = (entry?.resource as { name?: { text?: string }[] } | undefined)?.name?.[0]?.text;
      return { reference: idOf(fullUrl), ...(name ? { display: name } : {}) };
    };
    const stays = await seedDemoStays(
      { ctx, settings: readDialysisSettings() },
      {
        service: idOf(demo.destination.service.reference as string).split('/')[1],
        nurse: named(demo.destinationNurse),
        nephrologist: named(demo.homeNephrologist),
        inProgress: idOf(demo.inProgress).split('/')[1],
        ended: idOf(demo.ended).split('/')[1],
      },
    );
    await ctx.db.transaction((tx) =>
      ctx.jobs.enqueue(
        tx,
        CHAIRS_JOB,
        {},
        { key: `dialysis-chairs-${Date.now()}`, runAt: new Date(Date.now() + 60_000) },
      ),
    );
    return (demo.bundle.entry?.length ?? 0) + slots + stays;
  },
};

export { DIALYSIS_MIGRATIONS };
