/**
 * The person's own side of access (JSON):
 *   GET/PUT /api/me/contact         email and phone: the account's (messages) and the Patient's are one;
 *                                   a new one waits for the code sent to it (contact-change.ts)
 *   POST    /api/me/contact/confirm {channel, code}  that code: the change is made
 *   GET     /api/care/dependants    whom the patient acts for, and who acts for them
 *   POST    /api/break-glass/preview {identifier}  who the CNIE names (name, age), before confirming
 */
import type { Patient } from '@medplum/fhirtypes';
import { BreakGlassPreviewRequest, ContactConfirmRequest, ContactRequest } from '@sahti/contracts';
import { FhirError, outcome } from '@sahti/fhir';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findAccount } from '../auth/accounts.ts';
import { send } from '../kernel/http.ts';
import type { Principal } from '../kernel/principal.ts';
import { nudgeNotifications } from '../notify/index.ts';
import { assertMayBreakGlass, emergencyPatientRef } from './break-glass.ts';
import {
  applyContact,
  CONTACT_CHANNELS,
  type Contact,
  type ContactChannel,
  ContactCodeRefused,
  confirmContactChange,
  confirmRefusal,
  contactLanguage,
  dropPending,
  pendingContact,
  recordOf,
  requestContactChange,
  tellCurrentAddress,
} from './contact-change.ts';
import { ageOn, delegationsOf } from './relations/dependants.ts';
import type { AccessRouteDeps } from './routes.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Moroccan and international numbers, written with or without spaces. */
const PHONE = /^\+?[0-9]{9,15}$/;

export function normalisePhone(value: string): string {
  const digits = value.replace(/[\s.\-()]/g, '');
  if (/^0[5-7][0-9]{8}$/.test(digits)) return `+212${digits.slice(1)}`;
  return digits;
}

export function registerMeRoutes(app: FastifyInstance, deps: AccessRouteDeps): void {
  const who = async (req: FastifyRequest): Promise<Principal> => {
    const principal = await deps.auth.authenticate(req);
    if (!principal) throw new FhirError(401, outcome('error', 'login', 'Sign in first'));
    return { ...principal, address: req.ip };
  };
  const guarded =
    (handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        return await handler(req, reply);
      } catch (err) {
        if (err instanceof FhirError) return send(reply, err.status, err.outcome);
        throw err;
      }
    };
  const nameOf = (p: Patient | undefined) =>
    p?.name?.find((n) => !/[\u0600-\u06FF]/.test(n.text ?? n.family ?? ''))?.text ??
    [p?.name?.[0]?.given?.join(' '), p?.name?.[0]?.family].filter(Boolean).join(' ');
  const arabicOf = (p: Patient | undefined) =>
    p?.name?.find((n) => /[\u0600-\u06FF]/.test(n.text ?? ''))?.text;

  const accountOf = async (principal: Principal) => {
    const account = principal.kind === 'system' ? undefined : await findAccount(deps.store.db, principal.id);
    if (!account) throw new FhirError(404, outcome('error', 'not-found', 'No account'));
    return account;
  };
  const patientOf = (principal: Principal) =>
    principal.kind === 'patient' ? principal.fhirUser?.replace(/^Patient\//, '') : undefined;
  const audited = (principal: Principal, patientId: string | undefined) =>
    deps.audit.record({
      principal,
      interaction: 'update',
      resourceType: 'Patient',
      ids: patientId ? [patientId] : [],
      patientIds: patientId ? [patientId] : [],
      outcome: 200,
      outcomeDesc: 'contact details changed by their owner',
    });

  app.get(
    '/api/me/contact',
    guarded(async (req, reply) => {
      const account = await accountOf(await who(req));
      const pending = await pendingContact(deps.store.db, account.id);
      return reply.header('cache-control', 'no-store').send({
        email: account.email ?? null,
        phone: account.phone ?? null,
        ...(Object.keys(pending).length ? { pending } : {}),
      });
    }),
  );

  // a new value waits for the code sent to it (202); clearing is at once; left out stays as it is
  app.put(
    '/api/me/contact',
    { schema: { body: ContactRequest } },
    guarded(async (req, reply) => {
      const principal = await who(req);
      const body = req.body as { email?: string | null; phone?: string | null };
      // a field left out stays as it is; null or "" clears it
      const email = body.email === undefined ? undefined : body.email?.trim() || null;
      const phone =
        body.phone === undefined ? undefined : body.phone?.trim() ? normalisePhone(body.phone) : null;
      const issues = [
        ...(email && !EMAIL.test(email)
          ? [{ field: 'email', text: 'email: an address such as nom@exemple.ma' }]
          : []),
        ...(phone && !PHONE.test(phone)
          ? [{ field: 'phone', text: 'phone: a number such as 06 12 34 56 78 or +212 6 12 34 56 78' }]
          : []),
      ];
      if (issues.length)
        throw new FhirError(400, {
          resourceType: 'OperationOutcome',
          issue: issues.map((i) => ({
            severity: 'error',
            code: 'invalid',
            diagnostics: i.text,
            expression: [i.field],
          })),
        });
      const account = await accountOf(principal);
      const patientId = patientOf(principal);
      const asked: Partial<Contact> = {
        ...(email !== undefined ? { email } : {}),
        ...(phone !== undefined ? { phone } : {}),
      };
      const cleared: Partial<Contact> = {};
      const toConfirm: Partial<Record<ContactChannel, string>> = {};
      for (const channel of CONTACT_CHANNELS) {
        const value = asked[channel];
        if (value === undefined || value === (account[channel] ?? null)) continue;
        if (value === null) cleared[channel] = null;
        else toConfirm[channel] = value;
      }
      const record = Object.keys(asked).length ? await recordOf(deps.store, patientId) : undefined;
      const language = contactLanguage(req, record);
      let after: Contact = { email: account.email ?? null, phone: account.phone ?? null };
      try {
        after = await deps.store.db.transaction(async (tx) => {
          for (const channel of CONTACT_CHANNELS) {
            const value = asked[channel];
            if (value === undefined) continue;
            const wanted = toConfirm[channel];
            if (wanted) await requestContactChange(tx, account, channel, wanted, language, record);
            // cleared, or the address in force again: no change waits any more
            else await dropPending(tx, account.id, channel);
            if (channel in cleared)
              await tellCurrentAddress(tx, account, channel, undefined, language, record);
          }
          return Object.keys(cleared).length
            ? applyContact(tx, deps.store, account, patientId, cleared)
            : after;
        });
      } catch (err) {
        if (!(err instanceof ContactCodeRefused)) throw err;
        reply.header('retry-after', String(err.retryAfter));
        throw new FhirError(
          429,
          outcome(
            'error',
            'throttled',
            err.reason === 'too_many_tries'
              ? 'Too many wrong codes today: try again tomorrow'
              : 'Too many codes were sent today: use the last one received, or try again tomorrow',
            [err.channel],
          ),
        );
      }
      if (Object.keys(asked).length) nudgeNotifications(deps.store.db);
      if (Object.keys(cleared).length) audited(principal, patientId);
      const pending = await pendingContact(deps.store.db, account.id);
      const waiting = Object.keys(toConfirm).length > 0;
      return reply
        .code(waiting ? 202 : 200)
        .send({ ...after, ...(Object.keys(pending).length ? { pending } : {}) });
    }),
  );

  // the code sent to the new address makes the change (account and record in one transaction)
  app.post(
    '/api/me/contact/confirm',
    { schema: { body: ContactConfirmRequest } },
    guarded(async (req, reply) => {
      const principal = await who(req);
      const { channel, code } = req.body as ContactConfirmRequest;
      const account = await accountOf(principal);
      const patientId = patientOf(principal);
      const result = await deps.store.db.transaction((tx) =>
        confirmContactChange(tx, deps.store, account, patientId, channel, code),
      );
      if ('refused' in result) throw confirmRefusal(channel, result.refused);
      audited(principal, patientId);
      const pending = await pendingContact(deps.store.db, account.id);
      return reply
        .header('cache-control', 'no-store')
        .send({ ...result.applied, ...(Object.keys(pending).length ? { pending } : {}) });
    }),
  );

  app.get(
    '/api/care/dependants',
    guarded(async (req, reply) => {
      const principal = await who(req);
      const self = principal.kind === 'patient' ? principal.fhirUser?.replace(/^Patient\//, '') : undefined;
      if (!self) return reply.send({ actingFor: [], actedForBy: [] });
      const { actingFor, actedForBy } = await delegationsOf(deps.store.db, self);
      const describe = async (ref: string) => {
        const p = (await deps.store.readIfPresent('Patient', ref.replace('Patient/', ''))) as
          | Patient
          | undefined;
        return {
          name: nameOf(p),
          ...(arabicOf(p) ? { arabicName: arabicOf(p) } : {}),
          ...(p?.birthDate ? { birthDate: p.birthDate } : {}),
        };
      };
      return reply.header('cache-control', 'no-store').send({
        actingFor: await Promise.all(actingFor.map(async (d) => ({ ...d, ...(await describe(d.patient)) }))),
        actedForBy: await Promise.all(
          actedForBy.map(async (d) => ({ ...d, ...(await describe(d.delegate)) })),
        ),
      });
    }),
  );

  app.post(
    '/api/break-glass/preview',
    { schema: { body: BreakGlassPreviewRequest } },
    guarded(async (req, reply) => {
      const principal = await who(req);
      assertMayBreakGlass(principal);
      const ref = (await emergencyPatientRef(deps.store, {
        identifier: (req.body as { identifier: string }).identifier.trim().toUpperCase(),
      })) as string;
      const patient = (await deps.store.read('Patient', ref.slice('Patient/'.length))) as Patient;
      deps.audit.record({
        principal,
        interaction: 'operation',
        resourceType: 'Patient',
        ids: [ref],
        patientIds: [ref],
        outcome: 200,
        outcomeDesc: 'emergency access: identity shown before confirming',
      });
      return reply.header('cache-control', 'no-store').send({
        patient: ref,
        name: nameOf(patient),
        ...(arabicOf(patient) ? { arabicName: arabicOf(patient) } : {}),
        ...(patient.birthDate
          ? { birthDate: patient.birthDate, age: ageOn(patient.birthDate, new Date()) }
          : {}),
        ...(patient.gender ? { gender: patient.gender } : {}),
      });
    }),
  );
}
