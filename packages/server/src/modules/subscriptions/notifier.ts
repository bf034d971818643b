/**
 * Rest-hook notifications, durable: a handler on the event bus (one job per committed write of a
 * type some rest-hook watches — none otherwise) decides, as each subscriber, which Subscriptions
 * the write matches and enqueues one `subscriptions.deliver` job per match; that job checks again
 * at delivery time (rights may have changed during retries), sends what the subscriber may read,
 * audits it as their read, and after the last failed attempt moves the Subscription to `error`.
 * The same handler moves new Subscriptions from `requested` to `active`.
 */
import type { Subscription } from '@medplum/fhirtypes';
import { FhirError } from '@sahti/fhir';
import type { EventFilter, ResourceEvent } from '../../events/bus.ts';
import type { JobContext } from '../../jobs/index.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { SubscriptionSettings } from './config.ts';
import { resolveEndpoint } from './endpoint-guard.ts';
import { matchAs, type Subscriber } from './evaluate.ts';
import { type SubscriberSnapshot, subscriberSnapshots } from './owners.ts';
import type { SubscriptionRegistry } from './registry.ts';
import { callHook } from './rest-hook.ts';
import { subscriptionSpec } from './spec.ts';
import type { StatusChanger } from './status.ts';

export const DELIVER_JOB = 'subscriptions.deliver';

export interface Delivery {
  subscription: string;
  resourceType: string;
  id: string;
  versionId: number;
}

interface NotifierDeps {
  ctx: ModuleContext;
  settings: SubscriptionSettings;
  registry: SubscriptionRegistry;
  subscriber: (s: SubscriberSnapshot) => Promise<Subscriber | undefined>;
  status: StatusChanger;
}

export function registerRestHooks(deps: NotifierDeps): void {
  const { ctx, settings, registry, status } = deps;
  // read at each event: the types follow the registry (no job at all for other writes)
  const filter: EventFilter = {
    get types() {
      return registry.handledTypes;
    },
  };
  ctx.events.on(
    'subscriptions',
    filter,
    async (event) => {
      if (event.resourceType === 'Subscription') {
        // known (and its type awaited: events/bus.ts) before it is said to be active
        await registry.refresh();
        if (event.action !== 'delete') await status.activate(event.id);
        await registry.refresh();
        await status.settleInvalid(registry.invalid);
        return;
      }
      if (event.action === 'delete') return; // R4 criteria match resources that exist
      for (const s of registry.forType(event.resourceType)) {
        if (s.spec.channel.type !== 'rest-hook') continue;
        const subscriber = await deps.subscriber(s.subscriber);
        if (!subscriber || !(await matchAs(ctx.store, subscriber, s.spec, event.id))) continue;
        const delivery: Delivery = {
          subscription: s.spec.id,
          resourceType: event.resourceType,
          id: event.id,
          versionId: event.versionId,
        };
        await ctx.jobs.enqueue(ctx.db, DELIVER_JOB, delivery, { key: `${s.spec.id}:${eventKey(event)}` });
      }
    },
    {
      // one job per write of a watched type: enough workers that a busy type does not queue up
      concurrency: 8,
    },
  );
  ctx.jobs.register<Delivery>(DELIVER_JOB, (delivery, job) => deliver(deps, delivery, job), {
    maxAttempts: settings.maxAttempts,
    retryDelaySeconds: settings.retrySeconds,
    retryDelayMaxSeconds: 3600,
    timeoutSeconds: Math.ceil(settings.timeoutMs / 1000) + 60,
    concurrency: 8,
  });
}

const eventKey = (e: ResourceEvent) => `${e.resourceType}/${e.id}/${e.versionId}`;

async function deliver(deps: NotifierDeps, delivery: Delivery, job: JobContext): Promise<void> {
  const { ctx, settings, status } = deps;
  const sid = delivery.subscription;
  let resource: Subscription;
  try {
    resource = (await ctx.store.read('Subscription', sid)) as Subscription;
  } catch (err) {
    if (err instanceof FhirError) return; // deleted meanwhile: nothing to send
    throw err;
  }
  if (resource.status !== 'active') return;
  let spec: ReturnType<typeof subscriptionSpec>;
  try {
    spec = subscriptionSpec(resource, settings.hosts);
  } catch (err) {
    await status.fail(sid, (err as Error).message);
    return;
  }
  if (spec.channel.type !== 'rest-hook' || (spec.end !== undefined && spec.end <= Date.now())) return;
  const snapshot = (await subscriberSnapshots(ctx.db, [sid])).get(sid);
  const subscriber = snapshot ? await deps.subscriber(snapshot) : undefined;
  if (!subscriber) {
    await status.fail(sid, 'The subscriber no longer exists');
    return;
  }
  // decided again now: a relationship ended or a consent revoked since the write stops it here
  const match = await matchAs(ctx.store, subscriber, spec, delivery.id);
  if (!match) return;
  const channel = spec.channel;
  const address = await resolveEndpoint(channel.endpoint);
  if (typeof address === 'string') return failed(deps, job, sid, address, true);
  const answer = await callHook({
    endpoint: channel.endpoint,
    address,
    ...(channel.payload
      ? {
          resource: {
            resourceType: delivery.resourceType,
            id: delivery.id,
            json: JSON.stringify(match.resource),
          },
        }
      : {}),
    headers: channel.headers,
    timeoutMs: settings.timeoutMs,
    signal: job.signal,
  });
  const ok = answer.status >= 200 && answer.status < 300;
  if (answer.reached) {
    // what left the platform is the subscriber's read of it
    ctx.audit.record({
      principal: subscriber.principal,
      interaction: 'read',
      resourceType: delivery.resourceType,
      ids: [
        `${delivery.resourceType}/${delivery.id}/_history/${match.resource.meta?.versionId ?? delivery.versionId}`,
      ],
      patientIds: match.patients,
      outcome: ok ? 200 : 502,
      outcomeDesc: `Subscription/${sid} rest-hook ${channel.payload ? 'PUT' : 'POST'} to ${channel.endpoint.host}: ${answer.status ? `HTTP ${answer.status}` : (answer.error ?? 'no answer')}`,
      address: channel.endpoint.host,
    });
  }
  if (ok) return;
  const text =
    answer.status >= 300 && answer.status < 400
      ? `The endpoint answered HTTP ${answer.status}: redirects are not followed`
      : answer.status
        ? `The endpoint answered HTTP ${answer.status}`
        : `The endpoint could not be reached: ${answer.error ?? 'no answer'}`;
  // a refusal (4xx other than timeout and throttling) will not change by retrying
  const permanent =
    answer.status >= 300 && answer.status < 500 && answer.status !== 408 && answer.status !== 429;
  return failed(deps, job, sid, text, permanent);
}

async function failed(
  deps: NotifierDeps,
  job: JobContext,
  sid: string,
  text: string,
  permanent: boolean,
): Promise<void> {
  if (permanent || job.attempt >= job.maxAttempts) {
    await deps.status.fail(sid, `${text} (after ${job.attempt} attempt${job.attempt === 1 ? '' : 's'})`);
    return;
  }
  throw new Error(text); // retried with backoff by the job runner
}
