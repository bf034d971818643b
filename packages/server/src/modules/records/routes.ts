/**
 * Routes of the records service (JSON; see docs/api.md):
 *   GET  /api/records/terminology                         vital signs (LOINC, UCUM, ranges), PNI, visit modes
 *   POST /api/records/visits                              a clinician records a visit (one transaction)
 *   POST /api/records/visits/:encounter/sign              signs and closes a visit left open
 *   GET  /api/records/immunisations?patient=…             the PNI schedule: done, due, late, upcoming
 *   GET  /api/records/copy.pdf?patient=…&lang=fr|ar        the patient's readable copy
 *   GET  /api/records/emergency-card.pdf?patient=…&lang=   the emergency card with its QR code (a new link)
 *   POST /api/records/emergency-links {patient}           a new time-limited link; DELETE withdraws them all
 *   GET  /api/records/emergency/:token                    PUBLIC: what the QR code opens, while it lasts
 */
import { EmergencyLinkRequest, SignVisitRequest, VisitRequest } from '@sahti/contracts';
import { FhirError, outcome } from '@sahti/fhir';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FHIR_BASE_PATH } from '../../kernel/config.ts';
import { send } from '../../kernel/http.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import { emergencyCardPdf, recordPdf } from './pdf.ts';
import { pniSchedule } from './pni.ts';
import type { RecordsService } from './service.ts';
import { VISIT_MODES, type VisitInput } from './visit.ts';
import { VITAL_SIGNS } from './vitals.ts';

export function registerRecordsRoutes(ctx: ModuleContext, service: RecordsService): void {
  const { app } = ctx;
  const who = async (req: FastifyRequest): Promise<Principal> => {
    const principal = await ctx.auth.authenticate(req);
    if (!principal) throw new FhirError(401, outcome('error', 'login', 'Sign in first'));
    return { ...principal, address: req.ip };
  };
  const guarded =
    <R>(handler: (req: FastifyRequest, reply: FastifyReply) => Promise<R>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        return await handler(req, reply);
      } catch (err) {
        if (err instanceof FhirError) return send(reply, err.status, err.outcome);
        throw err;
      }
    };
  const publicUrl = () => ctx.store.baseUrl.slice(0, -FHIR_BASE_PATH.length);
  const language = (req: FastifyRequest) => ((req.query as { lang?: string }).lang === 'ar' ? 'ar' : 'fr');
  const patientParam = (req: FastifyRequest) => (req.query as { patient?: string }).patient;
  const pdf = (reply: FastifyReply, body: Buffer, name: string) =>
    reply
      .headers({
        'content-type': 'application/pdf',
        'content-disposition': `inline; filename="${name}"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      })
      .send(body);

  app.get(
    '/api/records/terminology',
    guarded(async (req, reply) => {
      await who(req);
      return reply.send({ vitals: VITAL_SIGNS, pni: pniSchedule(), modes: Object.keys(VISIT_MODES) });
    }),
  );

  app.post(
    '/api/records/visits',
    { schema: { body: VisitRequest } },
    guarded(async (req, reply) => {
      const principal = await who(req);
      const body = req.body as VisitInput;
      const patient = body.patient.startsWith('Patient/') ? body.patient : `Patient/${body.patient}`;
      return reply.code(201).send(await service.recordVisit(principal, { ...body, patient }));
    }),
  );

  app.post(
    '/api/records/visits/:encounter/sign',
    { schema: { body: SignVisitRequest } },
    guarded(async (req, reply) => {
      const principal = await who(req);
      const { encounter } = req.params as { encounter: string };
      return reply.send(await service.signVisit(principal, encounter, (req.body as { note?: string }).note));
    }),
  );

  app.get(
    '/api/records/immunisations',
    guarded(async (req, reply) => {
      const principal = await who(req);
      return reply.send(await service.immunisationStatus(principal, patientParam(req)));
    }),
  );

  app.get(
    '/api/records/copy.pdf',
    guarded(async (req, reply) => {
      const principal = await who(req);
      service.assertHolder(principal);
      const lang = language(req);
      const summary = await service.summary(principal, patientParam(req));
      return pdf(reply, await recordPdf(summary, lang), `dossier-sahti-${lang}.pdf`);
    }),
  );

  app.get(
    '/api/records/emergency-card.pdf',
    guarded(async (req, reply) => {
      const principal = await who(req);
      service.assertHolder(principal);
      const lang = language(req);
      const patient = patientParam(req);
      const summary = await service.summary(principal, patient);
      const link = await service.newEmergencyLink(principal, patient);
      const url = `${publicUrl()}/emergency/${link.token}`;
      return pdf(
        reply,
        await emergencyCardPdf(summary, lang, { url, expiresAt: link.expiresAt }),
        `carte-urgence-${lang}.pdf`,
      );
    }),
  );

  app.post(
    '/api/records/emergency-links',
    { schema: { body: EmergencyLinkRequest } },
    guarded(async (req, reply) => {
      const principal = await who(req);
      const link = await service.newEmergencyLink(principal, (req.body as { patient: string }).patient);
      return reply
        .code(201)
        .send({ url: `${publicUrl()}/emergency/${link.token}`, expiresAt: link.expiresAt });
    }),
  );

  app.delete(
    '/api/records/emergency-links',
    guarded(async (req, reply) => {
      const principal = await who(req);
      return reply.send({ withdrawn: await service.revokeEmergencyLinks(principal, patientParam(req)) });
    }),
  );

  app.get(
    '/api/records/emergency/:token',
    {
      config: { rateLimit: { max: Number(process.env.SAHTI_EMERGENCY_VIEW_RATE ?? 30), timeWindow: 60_000 } },
    },
    guarded(async (req, reply) => {
      const { token } = req.params as { token: string };
      const view = await service.emergencyView(token, req.ip);
      return reply
        .headers({
          'cache-control': 'no-store',
          'x-robots-tag': 'noindex, nofollow',
          'referrer-policy': 'no-referrer',
        })
        .send(view);
    }),
  );
}
