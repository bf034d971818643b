/**
 * Teleconsultation: the virtual waiting room, the patient's consent before joining, the call's
 * signalling and TURN credentials, the Encounter (class VR) with its modes and incidents, chat,
 * documents, and the satisfaction survey. See README.md.
 */
import type { Appointment, Questionnaire } from '@medplum/fhirtypes';
import type { ModuleContext, SahtiModule } from '../../kernel/module.ts';
import { consultationOf } from './consultation.ts';
import { CallHub } from './hub.ts';
import { protectHook } from './protect.ts';
import { consentQuestionnaire, satisfactionQuestionnaire } from './questionnaires.ts';
import { registerTeleconsultRoutes } from './routes.ts';
import { TeleconsultService } from './service.ts';
import { readTeleconsultSettings } from './settings.ts';

/** What each registered platform holds (tests may start several in one process). */
const running: (() => void)[] = [];

export const teleconsultModule: SahtiModule = {
  name: 'teleconsult',
  async register(ctx) {
    const settings = readTeleconsultSettings();
    const service = new TeleconsultService(ctx, settings);
    const calls = new CallHub();
    await publishQuestionnaires(ctx);
    ctx.store.addHook(protectHook());
    await registerTeleconsultRoutes(ctx, service, calls);
    // the waiting room is live: a practitioner whose lobby is open hears of each change to the
    // appointments and encounters naming them, in the live feed's own shape
    const stopListening = ctx.events.listen((event) => {
      if (event.resourceType !== 'Appointment' && event.resourceType !== 'Encounter') return;
      if (!calls.anyLobbyOpen) return; // nobody to tell: no read for each booking
      void (async () => {
        const resource = (await ctx.store.readIfPresent(event.resourceType, event.id)) as
          | (Appointment & { appointment?: { reference?: string }[] })
          | undefined;
        let practitioners: string[] = [];
        if (resource?.resourceType === 'Appointment')
          practitioners = consultationOf(resource)?.practitioners ?? [];
        else if (resource)
          practitioners = (
            (resource as unknown as { participant?: { individual?: { reference?: string } }[] })
              .participant ?? []
          )
            .map((p) => p.individual?.reference ?? '')
            .filter((r) => r.startsWith('Practitioner/'));
        for (const p of calls.watching(practitioners))
          calls.toLobby(p, {
            type: 'resource',
            resourceType: event.resourceType,
            id: event.id,
            versionId: event.versionId,
            action: event.action,
          });
      })().catch((e: unknown) => ctx.log.warn(`teleconsult lobby: ${String(e)}`));
    });
    running.push(() => {
      stopListening();
      calls.closeAll();
    });
  },
  async close() {
    for (const stop of running.splice(0)) stop();
  },
};

/** The consent and satisfaction Questionnaires, written when missing or of an older version. */
async function publishQuestionnaires(ctx: ModuleContext): Promise<void> {
  for (const q of [consentQuestionnaire, satisfactionQuestionnaire]) {
    const current = (await ctx.store.readIfPresent('Questionnaire', q.id as string)) as
      | Questionnaire
      | undefined;
    if (current && current.version === q.version && current.item?.length === q.item?.length) continue;
    await ctx.store.update('Questionnaire', q.id as string, q);
  }
}
