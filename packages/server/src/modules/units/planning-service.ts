/**
 * Coverage and plans for the web app: the reference data parsed once, the OSM facilities with the
 * administrators' edits, `fast` plans answered at once and `exact` ones run one at a time on the
 * process's HiGHS worker (kept warm), their results kept in units_plan for the screens to poll.
 */
import type { FhirStore, SqlClient } from '@sahti/fhir';
import { currentFacilities } from './facility-edits.ts';
import {
  analyseCoverage,
  type CoverageOptions,
  type CoverageReport,
  ExactSolver,
  FACILITY_KINDS,
  type FacilityKind,
  isFacilityKind,
  loadPlanningReference,
  type PlanningReference,
  type PlanOptions,
  type PlanProblem,
  planUnits,
  type UnitPlan,
} from './planning/index.ts';

export interface PlanRecord {
  id: string;
  status: 'running' | 'done' | 'failed';
  createdAt: string;
  createdBy: string;
  parameters: PlanOptions;
  plan?: UnitPlan;
  problems?: PlanProblem[];
}

/** Reads a plan request's JSON into PlanOptions, and what is wrong with its shape. Pure. */
export function planOptionsFrom(
  body: unknown,
  limits: { maxExactSeconds: number },
): { options: PlanOptions; problems: PlanProblem[] } {
  const b = (body ?? {}) as Record<string, unknown>;
  const problems: PlanProblem[] = [];
  const num = (field: string): number => {
    const v = b[field];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      problems.push({ field, message: `${field} is a number` });
      return Number.NaN;
    }
    return v;
  };
  const options: PlanOptions = {
    mode: b.mode === 'exact' ? 'exact' : 'fast',
    units: num('units'),
    radiusKm: num('radiusKm'),
    underservedKm: num('underservedKm'),
  };
  if (b.mode !== undefined && b.mode !== 'exact' && b.mode !== 'fast')
    problems.push({ field: 'mode', message: 'mode is "exact" or "fast"' });
  if (b.kinds !== undefined) {
    if (!Array.isArray(b.kinds) || b.kinds.some((k) => typeof k !== 'string' || !isFacilityKind(k)))
      problems.push({ field: 'kinds', message: `kinds are among ${FACILITY_KINDS.join(', ')}` });
    else options.kinds = b.kinds as FacilityKind[];
  }
  if (b.unitsPerBase !== undefined && b.unitsPerBase !== null) options.unitsPerBase = num('unitsPerBase');
  if (b.keepStops !== undefined) {
    if (!Array.isArray(b.keepStops) || b.keepStops.some((s) => typeof s !== 'string'))
      problems.push({ field: 'keepStops', message: 'keepStops is a list of commune codes' });
    else options.keepStops = b.keepStops as string[];
  }
  if (b.provinceCaps !== undefined) {
    const caps = b.provinceCaps as Record<string, unknown>;
    if (!caps || typeof caps !== 'object' || Object.values(caps).some((v) => typeof v !== 'number'))
      problems.push({ field: 'provinceCaps', message: 'provinceCaps maps province codes to numbers' });
    else options.provinceCaps = caps as Record<string, number>;
  }
  if (b.timeLimitS !== undefined) {
    const s = num('timeLimitS');
    if (s > 0 && s <= limits.maxExactSeconds) options.timeLimitMs = s * 1000;
    else if (!Number.isNaN(s))
      problems.push({
        field: 'timeLimitS',
        message: `timeLimitS is between 1 and ${limits.maxExactSeconds}`,
      });
  } else if (options.mode === 'exact') options.timeLimitMs = Math.min(60, limits.maxExactSeconds) * 1000;
  return { options, problems };
}

export function coverageOptionsFrom(query: Record<string, unknown>): {
  options: CoverageOptions;
  problems: PlanProblem[];
} {
  const problems: PlanProblem[] = [];
  const options: CoverageOptions = {};
  if (typeof query.kinds === 'string' && query.kinds) {
    const kinds = query.kinds.split(',');
    if (kinds.some((k) => !isFacilityKind(k)))
      problems.push({ field: 'kinds', message: `kinds are among ${FACILITY_KINDS.join(', ')}` });
    else options.kinds = kinds as FacilityKind[];
  }
  if (typeof query.thresholds === 'string' && query.thresholds) {
    const t = query.thresholds.split(',').map(Number);
    if (t.length > 6 || t.some((x) => !(x > 0 && x <= 500)))
      problems.push({ field: 'thresholds', message: 'thresholds are up to 6 distances in km, each 0–500' });
    else options.thresholdsKm = t;
  }
  if (query.ruralOnly === 'true') options.ruralOnly = true;
  return { options, problems };
}

export class PlanningService {
  private reference: PlanningReference | undefined;
  private solver: ExactSolver | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly db: SqlClient;
  private readonly store: FhirStore;

  constructor(deps: { db: SqlClient; store: FhirStore }) {
    this.db = deps.db;
    this.store = deps.store;
  }

  get data(): PlanningReference {
    this.reference ??= loadPlanningReference();
    return this.reference;
  }

  facilities() {
    return currentFacilities(this.store, this.data.facilities);
  }

  async coverage(options: CoverageOptions): Promise<CoverageReport> {
    return analyseCoverage(this.data.geography, await this.facilities(), options);
  }

  /** fast: planned now; exact: queued behind other exact plans of this process. */
  async plan(createdBy: string, options: PlanOptions): Promise<PlanRecord> {
    const id = crypto.randomUUID();
    const createdAt = new Date().toISOString();
    await this.db.query(
      `INSERT INTO units_plan (id, created_by, status, parameters) VALUES ($1::text, $2::text, 'running', $3::jsonb)`,
      [id, createdBy, JSON.stringify(options)],
    );
    const run = async () => {
      try {
        this.solver ??= new ExactSolver();
        const outcome = await planUnits(this.data.geography, await this.facilities(), options, {
          exactSolver: this.solver,
        });
        await this.db.query(
          `UPDATE units_plan SET status = $2::text, result = $3::jsonb, problems = $4::jsonb, finished_at = now() WHERE id = $1::text`,
          [
            id,
            outcome.ok ? 'done' : 'failed',
            outcome.ok ? JSON.stringify(outcome.plan) : null,
            outcome.ok ? null : JSON.stringify(outcome.problems),
          ],
        );
      } catch (error) {
        await this.db.query(
          `UPDATE units_plan SET status = 'failed', problems = $2::jsonb, finished_at = now() WHERE id = $1::text`,
          [id, JSON.stringify([{ field: '(plan)', message: `The solver failed: ${String(error)}` }])],
        );
      }
    };
    if (options.mode === 'fast') await run();
    else this.queue = this.queue.then(run);
    return (await this.get(id)) ?? { id, status: 'running', createdAt, createdBy, parameters: options };
  }

  async get(id: string): Promise<PlanRecord | undefined> {
    const rows = await this.db.query<{
      id: string;
      status: PlanRecord['status'];
      created_at: string | Date;
      created_by: string;
      parameters: PlanOptions;
      result: UnitPlan | null;
      problems: PlanProblem[] | null;
    }>('SELECT * FROM units_plan WHERE id = $1::text', [id]);
    const r = rows.rows[0];
    if (!r) return undefined;
    return {
      id: r.id,
      status: r.status,
      createdAt: new Date(r.created_at).toISOString(),
      createdBy: r.created_by,
      parameters: r.parameters,
      ...(r.result ? { plan: r.result } : {}),
      ...(r.problems ? { problems: r.problems } : {}),
    };
  }

  async list(limit = 20): Promise<Omit<PlanRecord, 'plan'>[]> {
    const rows = await this.db.query<{
      id: string;
      status: PlanRecord['status'];
      created_at: string | Date;
      created_by: string;
      parameters: PlanOptions;
      covered: number | null;
      optimal: boolean | null;
    }>(
      `SELECT id, status, created_at, created_by, parameters, (result->>'coveredPopulation')::float8 AS covered,
              (result->>'optimal')::boolean AS optimal
         FROM units_plan ORDER BY created_at DESC LIMIT $1::int`,
      [limit],
    );
    return rows.rows.map((r) => ({
      id: r.id,
      status: r.status,
      createdAt: new Date(r.created_at).toISOString(),
      createdBy: r.created_by,
      parameters: r.parameters,
      ...(r.covered !== null ? { coveredPopulation: r.covered, optimal: r.optimal } : {}),
    }));
  }

  /** Plans left running by a process that stopped: they will not finish. */
  async forgetInterrupted(): Promise<void> {
    await this.db.query(
      `UPDATE units_plan SET status = 'failed', problems = '[{"field":"(plan)","message":"The server restarted during the plan: ask again"}]'::jsonb
        WHERE status = 'running' AND created_at < now() - interval '1 hour'`,
    );
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.solver?.close();
    this.solver = undefined;
  }
}
