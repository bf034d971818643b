/**
 * Clinical documentation and the patient's copy: visits — vital signs in LOINC with units and
 * ranges, ICD-10 diagnoses, allergies, current medicines from the CNOPS list, PNI immunisations,
 * orders and referrals, the note as a Composition, signed and closed — recorded by care-givers
 * with a practitioner record (doctors, nurses, hub specialists and unit assistants: service.ts;
 * each writes what their role may), the readable PDF of the record and the emergency card with
 * its time-limited QR view.
 * Everything is FHIR in the shared record, written and read as the caller. See README.md.
 */
import type { SahtiModule } from '../../kernel/module.ts';
import { seedRecordsDemo } from './demo.ts';
import { RECORDS_MIGRATIONS } from './migrations.ts';
import { registerRecordsRoutes } from './routes.ts';
import { RecordsService } from './service.ts';

export const recordsModule: SahtiModule = {
  name: 'records',
  migrations: RECORDS_MIGRATIONS,
  register(ctx) {
    registerRecordsRoutes(ctx, new RecordsService(ctx));
  },
  seedDemo: (ctx) => seedRecordsDemo(ctx),
};
