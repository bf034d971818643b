/** What the guest-dialysis services share: the module's kernel and its settings. */
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import type { DialysisSettings } from './settings.ts';

export interface DialysisDeps {
  ctx: ModuleContext;
  settings: DialysisSettings;
}

/** An audit record of what a service did on a patient's record, as the caller. */
export function audited(
  deps: DialysisDeps,
  principal: Principal,
  interaction: 'create' | 'update' | 'read' | 'export',
  resourceType: string,
  ids: string[],
  patientId: string,
  outcomeDesc?: string,
): void {
  deps.ctx.audit.record({
    principal,
    interaction,
    resourceType,
    ids,
    patientIds: [patientId],
    outcome: 200,
    ...(outcomeDesc ? { outcomeDesc } : {}),
  });
}
