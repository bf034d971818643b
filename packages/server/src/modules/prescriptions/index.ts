/**
 * E-prescription: MedicationRequests signed by their prescriber (JWS ES256, per-practitioner key
 * sealed in the database) with the evidence in a Provenance, a printable PDF in French and Arabic
 * with a QR code, and the public verification a pharmacist uses without an account; drafts written
 * offline (a mobile unit's GP) signed when they arrive (drafts.ts). See README.md.
 */
import { secretKeyFrom } from '../../auth/config.ts';
import type { SahtiModule } from '../../kernel/module.ts';
import { DraftSigner, prescriptionWriteHook, signOperation } from './drafts.ts';
import { PRESCRIPTION_MIGRATIONS } from './migrations.ts';
import { registerPrescriptionRoutes } from './routes.ts';
import { PrescriptionService } from './service.ts';
import { PrescriberKeys } from './signing.ts';
import { defaultValidityDays } from './validity.ts';

export const prescriptionsModule: SahtiModule = {
  name: 'prescriptions',
  migrations: PRESCRIPTION_MIGRATIONS,
  register(ctx) {
    const secretKey = secretKeyFrom(process.env);
    const keys = new PrescriberKeys(ctx.db, secretKey);
    const validityDays = defaultValidityDays();
    const service = new PrescriptionService(ctx, keys, secretKey, validityDays);
    registerPrescriptionRoutes(ctx, service);
    ctx.store.addHook(prescriptionWriteHook());
    ctx.fhir.registerOperation(signOperation(new DraftSigner(ctx, keys, secretKey, validityDays)));
  },
};
