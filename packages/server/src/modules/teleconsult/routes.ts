/**
 * HTTP and WebSocket routes of the teleconsultation (JSON; see docs/api.md):
 *   GET  /api/teleconsult/:appointment                 state for one of its two parties
 *   GET  /api/teleconsult/:appointment/ice             STUN/TURN servers, time-limited TURN credentials
 *   POST /api/teleconsult/:appointment/check-in        the patient's consent + arrival
 *   POST /api/teleconsult/:appointment/end             the doctor ends the consultation
 *   POST /api/teleconsult/:appointment/documents       a PDF, PNG or JPEG (raw body, ?name=)
 *   GET  /api/teleconsult/:appointment/documents/:id   one document, as an attachment
 *   POST /api/teleconsult/:appointment/satisfaction    the patient's survey
 *   GET  /api/teleconsult/:appointment/signal          WebSocket: the call (two parties only)
 *   GET  /api/teleconsult/lobby                        WebSocket: a practitioner's waiting room
 */
import websocket, { type WebSocket } from '@fastify/websocket';
import { FhirError, outcome } from '@sahti/fhir';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { send } from '../../kernel/http.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import { type CallHub, sendTo } from './hub.ts';
import { parseClientMessage } from './protocol.ts';
import type { Party, TeleconsultService } from './service.ts';
import { iceConfiguration } from './turn.ts';

type Params = { appointment: string; id?: string };

export async function registerTeleconsultRoutes(
  ctx: ModuleContext,
  service: TeleconsultService,
  hub: CallHub,
): Promise<void> {
  const { app } = ctx;
  if (!app.hasDecorator('websocketServer'))
    await app.register(websocket, { options: { maxPayload: 128 * 1024 } });

  const caller = async (req: FastifyRequest): Promise<Principal | undefined> => {
    const principal = await ctx.auth.authenticate(req);
    return principal && { ...principal, address: req.ip };
  };
  const partyOf = async (req: FastifyRequest<{ Params: Params }>) => {
    const principal = await caller(req);
    const party = await service.party(principal, req.params.appointment);
    return { principal: principal as Principal, party };
  };

  app.get<{ Params: Params }>('/api/teleconsult/:appointment', async (req, reply) => {
    const { principal, party } = await partyOf(req);
    const state = await service.state(principal, party);
    const chat = await service.chatHistory(party.consultation);
    return reply.header('cache-control', 'no-store').send({ ...state, chat });
  });

  app.get<{ Params: Params }>('/api/teleconsult/:appointment/ice', async (req, reply) => {
    const { principal, party } = await partyOf(req);
    service.assertJoinable(party);
    await service.assertConsented(party);
    service.audit(
      principal,
      'operation',
      'Appointment',
      [`Appointment/${party.consultation.appointmentId}`],
      party.consultation.patientId,
      200,
      'TURN credentials issued',
    );
    return reply
      .header('cache-control', 'no-store')
      .send(iceConfiguration(service.settings, `${party.consultation.appointmentId}.${party.side}`));
  });

  app.post<{ Params: Params }>('/api/teleconsult/:appointment/check-in', async (req, reply) => {
    const { principal, party } = await partyOf(req);
    const result = await service.checkIn(principal, party, req.body);
    hub.toPeer(party.consultation.appointmentId, 'patient', { type: 'checked-in' });
    return reply.code(200).send(result);
  });

  app.post<{ Params: Params }>('/api/teleconsult/:appointment/end', async (req, reply) => {
    const { principal, party } = await partyOf(req);
    const result = await service.end(principal, party);
    hub.close(party.consultation.appointmentId, { type: 'ended' });
    return reply.send(result);
  });

  app.post<{ Params: Params }>('/api/teleconsult/:appointment/satisfaction', async (req, reply) => {
    const { principal, party } = await partyOf(req);
    return reply.code(201).send(await service.satisfaction(principal, party, req.body));
  });

  app.get<{ Params: Params }>('/api/teleconsult/:appointment/documents/:id', async (req, reply) => {
    const { principal, party } = await partyOf(req);
    const doc = await service.download(principal, party, String(req.params.id));
    return reply
      .headers({
        'content-type': doc.type,
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(doc.title)}`,
        'x-content-type-options': 'nosniff',
        'content-security-policy': "sandbox; default-src 'none'",
        'cache-control': 'no-store',
      })
      .send(doc.bytes);
  });

  // documents arrive as raw bytes: their own parsers and limit, in their own scope
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      ['application/pdf', 'image/png', 'image/jpeg', 'application/octet-stream'],
      { parseAs: 'buffer', bodyLimit: service.settings.documentMaxBytes + 1 },
      (_req, body, done) => done(null, body),
    );
    scope.post<{ Params: Params; Querystring: { name?: string | string[] } }>(
      '/api/teleconsult/:appointment/documents',
      async (req, reply) => {
        const { principal, party } = await partyOf(req);
        if (!Buffer.isBuffer(req.body))
          throw new FhirError(
            415,
            outcome('error', 'not-supported', 'Send the file itself (PDF, PNG or JPEG) as the body'),
          );
        const saved = await service.upload(principal, party, req.body, req.query.name);
        hub.toBoth(party.consultation.appointmentId, { type: 'document', ...saved, from: party.side });
        return reply.code(201).send(saved);
      },
    );
  });

  // ---- WebSockets: the credentials and the party are checked before the upgrade
  const accepted = new WeakMap<FastifyRequest, { principal: Principal; party?: Party }>();
  const sameOrigin = (req: FastifyRequest): boolean => {
    const origin = req.headers.origin;
    if (!origin) return true; // not a browser: a cookie cannot ride along cross-site without one
    try {
      return new URL(origin).host === req.headers.host || (ctx.config.corsOrigins ?? []).includes(origin);
    } catch {
      return false;
    }
  };
  const refuseUpgrade = (
    reply: FastifyReply,
    status: number,
    code: Parameters<typeof outcome>[1],
    text: string,
  ) => send(reply, status, outcome('error', code, text));

  app.get<{ Params: Params }>(
    '/api/teleconsult/:appointment/signal',
    {
      websocket: true,
      preValidation: async (req, reply) => {
        if (!sameOrigin(req))
          return refuseUpgrade(reply, 403, 'forbidden', 'Cross-origin call connections are refused');
        try {
          const { principal, party } = await partyOf(req);
          service.assertJoinable(party);
          await service.assertConsented(party);
          accepted.set(req, { principal, party });
        } catch (err) {
          if (err instanceof FhirError) return send(reply, err.status, err.outcome);
          throw err;
        }
      },
    },
    (socket, req) => {
      const { principal, party } = accepted.get(req) as { principal: Principal; party: Party };
      attachCall(socket, principal, party);
    },
  );

  app.get(
    '/api/teleconsult/lobby',
    {
      websocket: true,
      preValidation: async (req, reply) => {
        if (!sameOrigin(req))
          return refuseUpgrade(reply, 403, 'forbidden', 'Cross-origin connections are refused');
        let principal: Principal | undefined;
        try {
          principal = await caller(req);
        } catch (err) {
          if (err instanceof FhirError) return send(reply, err.status, err.outcome);
          throw err;
        }
        if (!principal) return refuseUpgrade(reply, 401, 'login', 'Sign in first');
        if (principal.kind !== 'staff' || !principal.fhirUser?.startsWith('Practitioner/'))
          return refuseUpgrade(reply, 403, 'forbidden', 'The waiting room is for practitioners');
        accepted.set(req, { principal });
      },
    },
    (socket, req) => {
      const { principal } = accepted.get(req) as { principal: Principal };
      const close = hub.openLobby(principal.fhirUser as string, socket);
      socket.on('close', close);
      socket.on('message', () => sendTo(socket, { type: 'pong' }));
    },
  );

  function attachCall(socket: WebSocket, principal: Principal, party: Party): void {
    const id = party.consultation.appointmentId;
    const fail = (err: unknown) => {
      ctx.log.warn(`teleconsult ${id}: ${err instanceof Error ? err.message : String(err)}`);
      sendTo(socket, { type: 'error', text: err instanceof FhirError ? err.message : 'not recorded' });
    };
    const { peerPresent } = hub.join(id, { side: party.side, ref: party.ref, socket });
    service.audit(
      principal,
      'operation',
      'Appointment',
      [`Appointment/${id}`],
      party.consultation.patientId,
      101,
      `joined the call (${party.side})`,
    );
    sendTo(socket, { type: 'welcome', side: party.side, peerPresent });
    if (hub.bothPresent(id)) service.started(id).catch(fail);
    socket.on('message', (raw: Buffer) => {
      const message = parseClientMessage(raw);
      if (typeof message === 'string') return sendTo(socket, { type: 'error', text: message });
      switch (message.type) {
        case 'ping':
          return sendTo(socket, { type: 'pong' });
        case 'signal':
          return hub.toPeer(id, party.side, { type: 'signal', data: message.data });
        case 'chat':
          service
            .chat(party, message.text)
            .then((saved) =>
              hub.toBoth(id, {
                type: 'chat',
                id: saved.id,
                from: party.side,
                text: message.text,
                sent: saved.sent,
              }),
            )
            .catch(fail);
          return;
        case 'mode':
          hub.toPeer(id, party.side, { type: 'mode', side: party.side, mode: message.mode });
          service.recordMode(id, party.ref, message.mode).catch(fail);
          return;
        case 'incident':
          service.recordIncident(id, party.ref, message.code, message.detail).catch(fail);
          return;
      }
    });
    socket.on('close', () => {
      if (hub.leave(id, party.side, socket))
        service.audit(
          principal,
          'operation',
          'Appointment',
          [`Appointment/${id}`],
          party.consultation.patientId,
          200,
          `left the call (${party.side})`,
        );
    });
  }
}
