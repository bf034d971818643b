/**
 * The International Patient Summary: `Patient/[id]/$summary` (HL7 IPS, GET or POST, parameter
 * `language` fr|ar|en) returns a FHIR document Bundle built from the shared record as the caller
 * may read it. Services add their own sections (`addSummarySection`): guest dialysis adds the
 * prescription, the vascular access and the serology. See README.md.
 */
import { FhirError, notFound, outcome } from '@sahti/fhir';
import type { SahtiModule } from '../../kernel/module.ts';
import { patientSummary } from './collect.ts';
import type { SummaryLanguage } from './ips.ts';

export { addSummarySection, patientSummary, type SectionProvider } from './collect.ts';
export { SECTIONS, type SectionSpec, type SummarySection, uuidFor } from './ips.ts';

export const summaryModule: SahtiModule = {
  name: 'summary',
  register(ctx) {
    ctx.fhir.registerOperation({
      name: 'summary',
      levels: ['instance'],
      resourceTypes: ['Patient'],
      methods: ['GET', 'POST'],
      effect: 'read',
      async run(op) {
        const id = op.match.id as string;
        const language = op.parameters.get('language') ?? 'en';
        if (!['fr', 'ar', 'en'].includes(language))
          throw new FhirError(400, outcome('error', 'invalid', 'language is fr, ar or en', ['language']));
        const summary = await patientSummary(op.store, id, { language: language as SummaryLanguage });
        if (!summary) notFound(`Patient/${id} does not exist`);
        return {
          status: 200,
          headers: {},
          body: summary!.bundle,
          audit: [
            {
              interaction: 'operation',
              operation: 'summary',
              resourceType: 'Patient',
              ids: summary!.ids.slice(0, 100),
              patients: [id],
              status: 200,
            },
          ],
        };
      },
    });
  },
};
