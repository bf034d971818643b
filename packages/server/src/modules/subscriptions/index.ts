/**
 * FHIR R4 Subscriptions (see README.md): criteria evaluated against each committed write as the
 * subscriber, rest-hook deliveries through jobs, the websocket binding, and the Subscription
 * resources themselves kept to their creators.
 */
import type { ModuleContext, SahtiModule } from '../../kernel/module.ts';
import { readSubscriptionSettings, type SubscriptionSettings } from './config.ts';
import { subscriberResolver } from './evaluate.ts';
import { registerRestHooks } from './notifier.ts';
import { OWNER_MIGRATION, subscriptionOwnerHook } from './owners.ts';
import { SubscriptionRegistry } from './registry.ts';
import { registerSubscriptionRoutes } from './routes.ts';
import { statusChanger } from './status.ts';
import { registerSubscriptionSocket, type SubscriptionSockets, WEBSOCKET_PATH } from './websocket.ts';

export { readSubscriptionSettings, type SubscriptionSettings } from './config.ts';
export { WEBSOCKET_PATH } from './websocket.ts';

const REFRESH_MS = 30_000;

/** `given` settings, or the environment's when the platform starts. */
export function subscriptionsModule(given?: SubscriptionSettings): SahtiModule {
  let timer: NodeJS.Timeout | undefined;
  let sockets: SubscriptionSockets | undefined;
  let stopListening: (() => void) | undefined;
  return {
    name: 'subscriptions',
    migrations: [OWNER_MIGRATION],
    async register(ctx: ModuleContext) {
      const settings = given ?? readSubscriptionSettings();
      const hosts = () => settings.hosts;
      ctx.store.addHook(subscriptionOwnerHook(settings));
      const registry = new SubscriptionRegistry({ store: ctx.store, db: ctx.db, hosts });
      const subscriber = subscriberResolver(ctx.db, ctx.access);
      const status = statusChanger({ store: ctx.store, hosts, afterWrite: () => ctx.events.nudge() });
      registerSubscriptionRoutes(ctx);
      registerRestHooks({ ctx, settings, registry, subscriber, status });
      const publicUrl = () => ctx.store.baseUrl.replace(/\/fhir\/R4$/, '');
      sockets = await registerSubscriptionSocket({ ctx, registry, subscriber, publicUrl });
      ctx.fhir.options.identity.websocketPath = WEBSOCKET_PATH;
      await registry.refresh();
      // every process hears of every Subscription change (its own or another's) within a poll
      stopListening = ctx.events.listen((event) => {
        if (event.resourceType === 'Subscription') void registry.refresh().catch(() => undefined);
        sockets?.onEvent(event);
      });
      const refresh = () => {
        timer = setTimeout(() => {
          void registry
            .refresh()
            .catch((err: Error) => ctx.log.warn(`subscriptions: refresh failed: ${err.message}`))
            .finally(refresh);
        }, REFRESH_MS);
        timer.unref();
      };
      refresh();
    },
    async close() {
      if (timer) clearTimeout(timer);
      stopListening?.();
      sockets?.close();
    },
  };
}

export const subscriptions: SahtiModule = subscriptionsModule();
