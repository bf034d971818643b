/**
 * Routes of the e-prescription service (JSON; see docs/api.md):
 *   GET  /api/prescriptions/medicines?q=          the medicines list (signed in)
 *   POST /api/prescriptions                       a doctor writes and signs a prescription
 *   GET  /api/prescriptions?patient=Patient/…     a patient's prescriptions (patient, care-givers)
 *   GET  /api/prescriptions/:id/pdf?lang=fr|ar    the printable PDF (patient, prescriber)
 *   POST /api/prescriptions/:id/revoke            the prescriber withdraws it
 *   GET  /api/prescriptions/verify/:code          PUBLIC: valid, dispensed, revoked, expired or tampered
 *   POST /api/prescriptions/verify/:code/dispense a signed-in pharmacist records the dispensing, once
 *   GET  /api/prescriptions/pharmacies            the pharmacies the signed-in pharmacist dispenses for
 *   GET  /api/prescriptions/keys/:kid             PUBLIC: a prescriber's public key (JWK Set), by a JWS's kid
 */
import { FhirError, outcome } from '@sahti/fhir';
import type { FastifyRequest } from 'fastify';
import { FHIR_BASE_PATH } from '../../kernel/config.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import { findMedicines, medicineDisplay } from './medicines.ts';
import { prescriptionPdf } from './pdf.ts';
import type { PrescriptionService } from './service.ts';

export function registerPrescriptionRoutes(ctx: ModuleContext, service: PrescriptionService): void {
  const { app } = ctx;
  // requests per minute and per address on the public routes (the code itself is unguessable)
  const VERIFY_PER_MINUTE = Number(process.env.SAHTI_PRESCRIPTION_VERIFY_RATE ?? 60);
  const DISPENSE_PER_MINUTE = Number(process.env.SAHTI_PRESCRIPTION_DISPENSE_RATE ?? 10);
  const who = async (req: FastifyRequest): Promise<Principal> => {
    const principal = await ctx.auth.authenticate(req);
    if (!principal) throw new FhirError(401, outcome('error', 'login', 'Sign in first'));
    return { ...principal, address: req.ip };
  };
  const publicUrl = () => ctx.store.baseUrl.slice(0, -FHIR_BASE_PATH.length);
  const PUBLIC_HEADERS = {
    'cache-control': 'no-store',
    'x-robots-tag': 'noindex, nofollow',
    'referrer-policy': 'no-referrer',
  };

  app.get<{ Querystring: { q?: string } }>('/api/prescriptions/medicines', async (req, reply) => {
    await who(req);
    const found = findMedicines(String(req.query.q ?? ''), 20);
    return reply.send(found.map((m) => ({ ...m, display: medicineDisplay(m) })));
  });

  app.post('/api/prescriptions', async (req, reply) => {
    const principal = await who(req);
    const created = await service.create(principal, req.body);
    return reply.code(201).send({ ...created, verifyUrl: `${publicUrl()}/verify/${created.code}` });
  });

  app.get<{ Querystring: { patient?: string } }>('/api/prescriptions', async (req, reply) => {
    const principal = await who(req);
    const patient =
      req.query.patient ?? (principal.fhirUser?.startsWith('Patient/') ? principal.fhirUser : '');
    const list = await service.list(principal, String(patient));
    return reply
      .header('cache-control', 'no-store')
      .send(list.map((p) => ({ ...p, ...(p.code ? { verifyUrl: `${publicUrl()}/verify/${p.code}` } : {}) })));
  });

  app.get<{ Params: { id: string }; Querystring: { lang?: string } }>(
    '/api/prescriptions/:id/pdf',
    async (req, reply) => {
      const principal = await who(req);
      const p = await service.forHolder(principal, req.params.id);
      const language = req.query.lang === 'ar' ? 'ar' : 'fr';
      const pdf = await prescriptionPdf({ ...p, verifyUrl: `${publicUrl()}/verify/${p.code}` }, language);
      return reply
        .headers({
          'content-type': 'application/pdf',
          'content-disposition': `inline; filename="ordonnance-${p.id.slice(0, 8)}-${language}.pdf"`,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        })
        .send(pdf);
    },
  );

  app.post<{ Params: { id: string } }>('/api/prescriptions/:id/revoke', async (req, reply) => {
    const principal = await who(req);
    return reply.send(await service.revoke(principal, req.params.id, req.body));
  });

  app.get<{ Params: { code: string } }>(
    '/api/prescriptions/verify/:code',
    { config: { rateLimit: { max: VERIFY_PER_MINUTE, timeWindow: 60_000 } } },
    async (req, reply) => reply.headers(PUBLIC_HEADERS).send(await service.verify(req.params.code, req.ip)),
  );

  // a key never changes under its id: cacheable by anyone
  app.get<{ Params: { kid: string } }>(
    '/api/prescriptions/keys/:kid',
    { config: { rateLimit: { max: VERIFY_PER_MINUTE, timeWindow: 60_000 } } },
    async (req, reply) =>
      reply
        .header('cache-control', 'public, max-age=86400, immutable')
        .type('application/jwk-set+json')
        .send(await service.publicKey(req.params.kid)),
  );

  app.get('/api/prescriptions/pharmacies', async (req, reply) => {
    const principal = await who(req);
    const pharmacies = await service.pharmacies(principal);
    return reply.header('cache-control', 'no-store').send(
      pharmacies.map(({ name, city, inpe }) => ({
        name,
        ...(city ? { city } : {}),
        ...(inpe ? { inpe } : {}),
      })),
    );
  });

  app.post<{ Params: { code: string } }>(
    '/api/prescriptions/verify/:code/dispense',
    { config: { rateLimit: { max: DISPENSE_PER_MINUTE, timeWindow: 60_000 } } },
    async (req, reply) => {
      const principal = await who(req);
      return reply.headers(PUBLIC_HEADERS).send(await service.dispense(principal, req.params.code, req.body));
    },
  );
}
