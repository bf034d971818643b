/**
 * The FHIR operations of booking:
 *   GET  Slot/$find?specialty=&mode=&place=&language=&practitioner=&start=&end=&_count=
 *        → a searchset of free Slots still bookable online (from now + the minimum notice),
 *          soonest first, with their Schedule, PractitionerRole, Practitioner and Location included
 *   POST Appointment/$book  (Parameters: slot, patient?, reason?) → the booked Appointment
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { FhirError, type FhirOperation, type OperationParameters } from '@sahti/fhir';
import type { Principal } from '../../kernel/principal.ts';
import { type BookingDeps, book } from './book.ts';
import { availabilityQuery, bookableFrom, type FreeSlot, freeSlots } from './find.ts';
import type { SchedulingSettings } from './settings.ts';

export function findOperation(deps: BookingDeps, settings: SchedulingSettings): FhirOperation {
  return {
    name: 'find',
    levels: ['type'],
    resourceTypes: ['Slot'],
    methods: ['GET', 'POST'],
    effect: 'search',
    async run(ctx) {
      const q = availabilityQuery(ctx.parameters);
      if (Array.isArray(q)) {
        throw new FhirError(400, {
          resourceType: 'OperationOutcome',
          issue: q.map((p) => ({
            severity: 'error',
            code: 'invalid',
            diagnostics: p.message,
            expression: [p.field],
          })),
        });
      }
      const count = Math.min(Math.max(Number(ctx.parameters.get('_count') ?? 20) || 20, 1), 200);
      // the times a booking would accept: none starting within the minimum notice
      const slots = await freeSlots(deps.db, bookableFrom(q, settings.minNoticeMinutes), count);
      // the page and everything it includes in one read, judged by the caller's scope
      const targets = (s: FreeSlot) =>
        [`Schedule/${s.scheduleId}`, s.role, s.practitioner, s.location].filter((r): r is string => !!r);
      const found = await ctx.store.locateMany(slots.flatMap((s) => [`Slot/${s.slotId}`, ...targets(s)]));
      const readable = (ref: string) => {
        const r = found.get(ref);
        return r?.visible && !r.deleted ? (JSON.parse(r.content as string) as Resource) : undefined;
      };
      const included = new Map<string, Resource>();
      const entry: BundleEntry[] = [];
      for (const s of slots) {
        const resource = readable(`Slot/${s.slotId}`);
        if (!resource) continue;
        entry.push({ fullUrl: `${ctx.baseUrl}/Slot/${s.slotId}`, resource, search: { mode: 'match' } });
        for (const ref of targets(s)) {
          if (included.has(ref)) continue;
          const target = readable(ref);
          if (target) included.set(ref, target);
        }
      }
      for (const [ref, resource] of included)
        entry.push({ fullUrl: `${ctx.baseUrl}/${ref}`, resource, search: { mode: 'include' } });
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'searchset',
        total: entry.filter((e) => e.search?.mode === 'match').length,
        entry,
      };
      return {
        status: 200,
        headers: {},
        body: bundle,
        audit: [
          {
            interaction: 'operation',
            operation: 'find',
            resourceType: 'Slot',
            ids: [],
            patients: [],
            status: 200,
          },
        ],
      };
    },
  };
}

export function bookOperation(deps: BookingDeps): FhirOperation {
  return {
    name: 'book',
    levels: ['type'],
    resourceTypes: ['Appointment'],
    methods: ['POST'],
    effect: 'create',
    async run(ctx) {
      const principal = ctx.access?.actor as Principal | undefined;
      if (!principal)
        throw new FhirError(403, {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'forbidden', diagnostics: 'Sign in to book' }],
        });
      const appointment = await book(deps, principal, input(ctx.parameters));
      const patient = appointment.participant.find((p) => p.actor?.reference?.startsWith('Patient/'))?.actor
        ?.reference;
      return {
        status: 201,
        headers: {
          location: `${ctx.baseUrl}/Appointment/${appointment.id}/_history/${appointment.meta?.versionId}`,
        },
        body: appointment,
        audit: [
          {
            interaction: 'operation',
            operation: 'book',
            resourceType: 'Appointment',
            ids: [`Appointment/${appointment.id}`],
            patients: patient ? [patient.slice(8)] : [],
            status: 201,
          },
        ],
      };
    },
  };
}

function input(p: OperationParameters) {
  return { slot: p.get('slot'), patient: p.get('patient'), reason: p.get('reason') };
}
