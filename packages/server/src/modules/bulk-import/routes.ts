/**
 * `/fhir/R4/$import` and its status URL. These routes are more specific than the generic
 * `/fhir/R4/*`, so Fastify brings them here; the body is an ndjson stream, parsed by a parser of
 * this scope only and staged as it arrives (staging.ts). Authentication and the rate limit work
 * as for any FHIR request; who may import is permission.ts; the status URL, the error file and
 * DELETE answer only the job's owner (404 to anyone else, as for a job that does not exist).
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { FhirError, outcome } from '@sahti/fhir';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FHIR_BASE_PATH } from '../../kernel/config.ts';
import { send } from '../../kernel/http.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import {
  cancelImport,
  createImport,
  dropImport,
  findImport,
  type ImportJob,
  markQueued,
  refusalsAfter,
} from './imports.ts';
import { auditImport, manifestOf, progressOf, refusalOutcome } from './manifest.ts';
import { assertMayImport, ownerOf } from './permission.ts';
import { RUN_JOB } from './run.ts';
import type { BulkImportSettings } from './settings.ts';
import { stageLines, tooLarge } from './staging.ts';

export const NDJSON_TYPES = ['application/fhir+ndjson', 'application/ndjson', 'application/x-ndjson'];
const IMPORT_PATH = `${FHIR_BASE_PATH}/$import`;

/** 202 with an informational OperationOutcome saying what was accepted. */
const accepted = (reply: FastifyReply, text: string) =>
  send(reply, 202, outcome('information', 'informational', text));

export async function registerImportRoutes(ctx: ModuleContext, settings: BulkImportSettings): Promise<void> {
  const caller = async (req: FastifyRequest): Promise<Principal> => {
    const authenticated = await ctx.auth.authenticate(req);
    if (!authenticated)
      throw new FhirError(401, outcome('error', 'login', 'Sign in, or send a bearer token'), {
        'www-authenticate': 'Bearer realm="sahti"',
      });
    return { ...authenticated, address: req.ip };
  };
  const statusUrl = (id: string) => `${ctx.store.baseUrl}/$import/${id}`;
  /** The caller's own job, or 404 whether it does not exist or is someone else's. */
  const ownJob = async (req: FastifyRequest<{ Params: { id: string } }>): Promise<[Principal, ImportJob]> => {
    const principal = await caller(req);
    const job = await findImport(ctx.db, req.params.id);
    if (!job || job.owner !== ownerOf(principal) || job.status === 'cancelled')
      throw new FhirError(
        404,
        outcome(
          'error',
          'not-found',
          `No import ${String(req.params.id).slice(0, 40)}${job?.status === 'cancelled' && job.owner === ownerOf(principal) ? ' (it was cancelled)' : ''}`,
        ),
      );
    return [principal, job];
  };

  await ctx.app.register(async (scope) => {
    // the body stays a stream: staged line by line, never held whole
    scope.addContentTypeParser(NDJSON_TYPES, (_req, payload, done) => done(null, payload));
    scope.post(IMPORT_PATH, async (req, reply) => {
      const principal = await caller(req);
      try {
        assertMayImport(principal);
      } catch (err) {
        ctx.audit.record({
          principal,
          interaction: 'operation',
          ids: [],
          patientIds: [],
          query: '$import',
          outcome: 403,
          outcomeDesc: (err as Error).message,
        });
        throw err;
      }
      if (!/respond-async/.test(String(req.headers.prefer ?? '')))
        throw new FhirError(
          400,
          outcome('error', 'invalid', '$import runs asynchronously: send the header Prefer: respond-async'),
        );
      const body = req.body as Readable | undefined;
      if (!body || typeof (body as Readable).pipe !== 'function')
        throw new FhirError(
          415,
          outcome('error', 'not-supported', 'Send the resources as application/fhir+ndjson, one per line'),
        );
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > settings.maxBytes) {
        body.resume(); // not read; the connection closes after the answer
        reply.header('connection', 'close');
        throw tooLarge(settings.maxBytes);
      }
      const id = randomUUID();
      await createImport(ctx.db, id, ownerOf(principal), principal);
      let staged: { lines: number; bytes: number };
      try {
        staged = await stageLines(ctx.db, id, body, settings.maxBytes);
      } catch (err) {
        await dropImport(ctx.db, id);
        if (err instanceof FhirError && err.status === 413) {
          body.resume();
          reply.header('connection', 'close');
        }
        throw err;
      }
      if (staged.bytes === 0 || staged.lines === 0) {
        await dropImport(ctx.db, id);
        throw new FhirError(
          400,
          outcome('error', 'invalid', 'The body holds no resources (one JSON resource per line)'),
        );
      }
      const queued = await ctx.db.transaction(async (tx) => {
        if (!(await markQueued(tx, id, staged.lines, staged.bytes))) return false;
        await ctx.jobs.enqueue(tx, RUN_JOB, { importId: id }, { key: `bulk-import/${id}` });
        return true;
      });
      if (!queued) {
        // cancelled by DELETE on its status URL while the body was arriving
        await dropImport(ctx.db, id);
        throw new FhirError(409, outcome('error', 'conflict', 'The import was cancelled during its upload'));
      }
      reply.header('content-location', statusUrl(id));
      return accepted(reply, `Import accepted: ${staged.lines} lines; poll ${statusUrl(id)}`);
    });
  });

  ctx.app.get<{ Params: { id: string } }>(`${IMPORT_PATH}/:id`, async (req, reply) => {
    const [, job] = await ownJob(req);
    if (job.status === 'completed')
      return send(
        reply,
        200,
        manifestOf(job, statusUrl(job.id), IMPORT_PATH.replace(FHIR_BASE_PATH, ctx.store.baseUrl)),
      );
    if (job.status === 'failed')
      return send(
        reply,
        500,
        outcome('error', 'exception', `${job.failure ?? 'The import failed'} — ${progressOf(job)}`),
      );
    reply.header('x-progress', progressOf(job));
    reply.header('retry-after', '2');
    return send(reply, 202, undefined);
  });

  ctx.app.get<{ Params: { id: string } }>(`${IMPORT_PATH}/:id/errors.ndjson`, async (req, reply) => {
    const [, job] = await ownJob(req);
    // a page of refusals at a time: a file of a million bad lines is never one string
    async function* errorFile(): AsyncGenerator<string> {
      for (let after = 0; ; ) {
        const page = await refusalsAfter(ctx.db, job.id, after, 1000);
        if (page.length === 0) return;
        yield page.map((r) => `${JSON.stringify(refusalOutcome(r.line, r.outcome))}\n`).join('');
        after = page[page.length - 1].line;
      }
    }
    return reply.code(200).type('application/fhir+ndjson').send(Readable.from(errorFile()));
  });

  ctx.app.delete<{ Params: { id: string } }>(`${IMPORT_PATH}/:id`, async (req, reply) => {
    const [principal, job] = await ownJob(req);
    const done = await cancelImport(ctx.db, job.id);
    if (!done) throw new FhirError(404, outcome('error', 'not-found', 'No such import'));
    if (done === 'cancelled') {
      const now = (await findImport(ctx.db, job.id)) ?? job;
      auditImport(ctx.audit, { ...now, principal }, 'cancelled');
    }
    return accepted(
      reply,
      done === 'cancelled'
        ? 'Import cancelled: what earlier batches wrote stays (see X-Progress before cancelling)'
        : 'Import report deleted',
    );
  });
}
