/** Settings of FHIR Subscriptions, read once at start from the environment. */
import { type HostRule, parseAllowList } from './endpoint-guard.ts';

export interface SubscriptionSettings {
  /** SAHTI_SUBSCRIPTION_HOSTS: the only hosts a rest-hook may call (empty: none). */
  hosts: HostRule[];
  /** Delivery attempts before the Subscription goes to `error`. */
  maxAttempts: number;
  /** First retry delay; each next one doubles (with jitter), up to an hour. */
  retrySeconds: number;
  /** Connect + answer time allowed to a rest-hook endpoint. */
  timeoutMs: number;
  /** Subscriptions one subscriber may hold (live ones: not deleted). */
  perOwner: number;
}

export function readSubscriptionSettings(env: NodeJS.ProcessEnv = process.env): SubscriptionSettings {
  const number = (name: string, fallback: number, min: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}`);
    return value;
  };
  return {
    hosts: parseAllowList(env.SAHTI_SUBSCRIPTION_HOSTS ?? ''),
    maxAttempts: number('SAHTI_SUBSCRIPTION_ATTEMPTS', 6, 1),
    retrySeconds: number('SAHTI_SUBSCRIPTION_RETRY_SECONDS', 10, 1),
    timeoutMs: number('SAHTI_SUBSCRIPTION_TIMEOUT_MS', 10_000, 100),
    perOwner: number('SAHTI_SUBSCRIPTIONS_PER_OWNER', 50, 1),
  };
}
