/** What a backup holds, counted the same way at backup and at restore so the two can be compared. */

export interface BackupContents {
  resources: number;
  versions: number;
  auditEvents: number;
  /** pg-boss's jobs (schema pgboss), waiting, running or kept after they ran. */
  jobs: number;
}

export type Query = (text: string) => Promise<{ rows: Record<string, unknown>[] }>;

export async function countContents(query: Query): Promise<BackupContents> {
  const count = async (table: string): Promise<number> => {
    const exists = await query(`SELECT to_regclass('${table}') IS NOT NULL AS present`);
    if (!exists.rows[0].present) return 0;
    return Number((await query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);
  };
  return {
    resources: await count('public.resource'),
    versions: await count('public.resource_history'),
    auditEvents: await count('public.audit_event'),
    jobs: await count('pgboss.job'),
  };
}

export function describeContents(c: BackupContents): string {
  return `${c.resources} resources, ${c.versions} history versions, ${c.auditEvents} audit events, ${c.jobs} jobs`;
}
