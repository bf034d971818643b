/**
 * The replicas in /metrics: whether each answers and is used, its lag in seconds and bytes, and
 * where this process sent its reads. Labels are closed sets: a replica is named by its position in
 * DATABASE_REPLICA_URL, never by its address. docs/operations.md lists the metrics.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReplicaRouter } from './router.ts';

export function registerReplicaMetrics(registry: Registry, router: ReplicaRouter): void {
  const perReplica = (
    name: string,
    help: string,
    value: (s: ReturnType<ReplicaRouter['status']>[number]) => number | undefined,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['replica'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of router.status()) {
          const v = value(s);
          if (v !== undefined) this.set({ replica: s.name }, v);
        }
      },
    });
  perReplica('sahti_db_replica_up', '1 when the replica answered its last check as a standby', (s) =>
    s.up ? 1 : 0,
  );
  perReplica(
    'sahti_db_replica_usable',
    '1 when reads may go to the replica now (up, and its lag within SAHTI_REPLICA_MAX_LAG_MS)',
    (s) => (s.usable ? 1 : 0),
  );
  perReplica(
    'sahti_db_replica_lag_seconds',
    'Age of the oldest commit the replica may be missing (absent until it is known)',
    (s) => s.lagSeconds,
  );
  perReplica(
    'sahti_db_replica_lag_bytes',
    "WAL between the primary's position and what the replica has replayed, at the last check",
    (s) => s.lagBytes,
  );
  new Counter({
    name: 'sahti_db_replica_fallbacks_total',
    help: 'Reads that failed on the replica and were answered by the primary',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of router.status()) this.inc({ replica: s.name }, s.fallbacks);
    },
  });
  new Counter({
    name: 'sahti_db_reads_total',
    help: "Reads that may lag, by where they went: a replica, or the primary because of the reader's own recent write or because no replica was usable",
    labelNames: ['target', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      const c = router.counts;
      this.inc({ target: 'replica', reason: 'fresh' }, c.replica);
      this.inc({ target: 'primary', reason: 'own-write' }, c.ownWrite);
      this.inc({ target: 'primary', reason: 'no-usable-replica' }, c.noUsableReplica);
    },
  });
}
