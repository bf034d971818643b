/**
 * The Subscriptions in force, in memory: those `active` or `requested`, by the resource type of
 * their criteria, with their subscriber. Every process keeps its own copy, refreshed when it sees
 * a Subscription event (from any process, through the event bus's listeners) and every 30 s.
 */
import type { Subscription } from '@medplum/fhirtypes';
import type { FhirStore, SqlExecutor } from '@sahti/fhir';
import type { HostRule } from './endpoint-guard.ts';
import { type SubscriberSnapshot, subscriberSnapshots } from './owners.ts';
import { type SubscriptionSpec, subscriptionSpec } from './spec.ts';

export interface LiveSubscription {
  spec: SubscriptionSpec;
  subscriber: SubscriberSnapshot;
}

export interface InvalidSubscription {
  id: string;
  problem: string;
}

export class SubscriptionRegistry {
  private byId = new Map<string, LiveSubscription>();
  private byType = new Map<string, LiveSubscription[]>();
  /** Active ones that no longer pass the checks (an allow-list that changed): moved to error. */
  invalid: InvalidSubscription[] = [];
  private refreshing: Promise<void> | undefined;
  private again = false;

  private readonly deps: { store: FhirStore; db: SqlExecutor; hosts: () => readonly HostRule[] };

  constructor(deps: { store: FhirStore; db: SqlExecutor; hosts: () => readonly HostRule[] }) {
    this.deps = deps;
  }

  get(id: string): LiveSubscription | undefined {
    return this.byId.get(id);
  }

  /** Active subscriptions whose criteria are on this type and whose end has not passed. */
  forType(type: string, now = Date.now()): LiveSubscription[] {
    return (this.byType.get(type) ?? []).filter(
      (s) => s.spec.status === 'active' && (s.spec.end === undefined || s.spec.end > now),
    );
  }

  /**
   * What the durable event handler wants: Subscription (to activate new ones) and the types a
   * rest-hook in force, or about to be, watches. Writes of other types cost no job at all.
   */
  handledTypes: readonly string[] = ['Subscription'];

  /** Reloads from the database; concurrent calls share one load (and ask for one more after it). */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        await this.load();
      } while (this.again);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const resources: Subscription[] = [];
    let cursor: string | undefined;
    do {
      const query: [string, string][] = [
        ['status', 'active,requested'],
        ['_count', '500'],
        ['_total', 'none'],
      ];
      if (cursor) query.push(['_cursor', cursor]);
      const page = await this.deps.store.search('Subscription', query);
      resources.push(...(page.matches as Subscription[]));
      cursor = page.nextCursor;
    } while (cursor);
    const owners = await subscriberSnapshots(
      this.deps.db,
      resources.map((r) => r.id as string),
    );
    const byId = new Map<string, LiveSubscription>();
    const invalid: InvalidSubscription[] = [];
    for (const resource of resources) {
      const subscriber = owners.get(resource.id as string);
      if (!subscriber) continue; // nobody to tell, nobody to act as
      try {
        byId.set(resource.id as string, { spec: subscriptionSpec(resource, this.deps.hosts()), subscriber });
      } catch (err) {
        invalid.push({ id: resource.id as string, problem: (err as Error).message });
      }
    }
    const byType = new Map<string, LiveSubscription[]>();
    for (const s of byId.values()) {
      const list = byType.get(s.spec.criteria.resourceType) ?? [];
      list.push(s);
      byType.set(s.spec.criteria.resourceType, list);
    }
    const hooked = new Set<string>(['Subscription']);
    for (const s of byId.values())
      if (s.spec.channel.type === 'rest-hook') hooked.add(s.spec.criteria.resourceType);
    this.byId = byId;
    this.byType = byType;
    this.handledTypes = [...hooked];
    this.invalid = invalid;
  }
}
