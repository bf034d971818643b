/**
 * E-prescription: MedicationRequests signed by their prescriber (JWS ES256, per-practitioner key
 * sealed in the database) with the evidence in a Provenance, a printable PDF in French and Arabic
 * with a QR code, and the public verification a pharmacist uses without an account. See README.md.
 */
import { secretKeyFrom } from '../../auth/config.ts';
import type { SahtiModule } from '../../kernel/module.ts';
import { PRESCRIPTION_MIGRATIONS } from './migrations.ts';
import { registerPrescriptionRoutes } from './routes.ts';
import { PrescriptionService } from './service.ts';
import { PrescriberKeys } from './signing.ts';

export const prescriptionsModule: SahtiModule = {
  name: 'prescriptions',
  migrations: PRESCRIPTION_MIGRATIONS,
  register(ctx) {
    const secretKey = secretKeyFrom(process.env);
    const service = new PrescriptionService(ctx, new PrescriberKeys(ctx.db, secretKey), secretKey);
    registerPrescriptionRoutes(ctx, service);
  },
};
