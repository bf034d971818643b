/** Read replicas: reads that may lag go to PostgreSQL streaming replicas, with read-your-writes. */
export { registerReplicaMetrics } from './metrics.ts';
export { type ReadRouting, ReplicaRouter, type ReplicaStatus, type RoutingCounts } from './router.ts';
export { markWrites, mayWrite, principalKey } from './writes.ts';
