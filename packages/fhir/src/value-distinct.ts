/**
 * The planner's count of distinct token values, measured instead of guessed. ANALYZE estimates a
 * column's distinct values from a sample of 30,000 rows; in `sp_token.value` a few codes fill that
 * sample (an Observation's LOINC code, text, category and status: nine values in 85 % of the rows at
 * 100,000 patients) and each identifier appears in it at most once, so it counted 1,815 distinct
 * values where there were 105,013. A value the plan does not know — a prepared statement's generic
 * plan, the CNIE search's — then looked fifty times commoner than a CNIE is, and PostgreSQL planned
 * the search anew at every execution (docs/performance.md, "The CNIE search on its generic plan").
 * A fixed fraction is wrong at another size (3,000 patients: 40 % of the values distinct), so the
 * count is measured after each ANALYZE and given to the planner as the column's `n_distinct`.
 *
 * The measure: the distinct values of a column are the sum over its rows of 1 / (the rows holding
 * the row's value), so a uniform sample of rows, each looked up in the value index, estimates their
 * share without bias. The most common values (ANALYZE's list, with their frequencies) need no
 * look-up; a rarer value is counted in the index up to a cap. A few thousand look-ups: tens of
 * milliseconds at 100,000 patients, whatever the size.
 */
import type { SqlClient, SqlExecutor } from './sql.ts';

/** Rows ANALYZE samples at the default statistics target (300 × 100): below, its count is exact. */
const ANALYZE_SAMPLE_ROWS = 30_000;
/** Rows the measure samples: the share of values of their own is known to a few per cent. */
const SAMPLE_ROWS = 5_000;
/** Pages the sample reads rows from (a page holds the rows of a few resources written together). */
const SAMPLE_PAGES = 1_000;
/** A rarer value's rows are counted up to this: beyond, its rows weigh at most 1/cap each. */
const COUNT_CAP = 100;
/** The planner's figure is replaced when the measure differs from it by more than this factor. */
const TOLERANCE = 1.5;

/** The share of `sp_token`'s rows that hold distinct values: the planner's and the measure. */
export interface ValueDistinct {
  /** Rows of the table, as the last ANALYZE counted them. */
  rows: number;
  /** Distinct values ÷ rows, as the planner has it now (ANALYZE's estimate, or the option set). */
  planner: number;
  /** Distinct values ÷ rows, measured; undefined where ANALYZE read every row (its count is exact). */
  measured?: number;
  /** Whether the column's n_distinct option was set or removed (and sp_token analysed again). */
  changed: boolean;
}

interface TokenTable {
  rows: number;
  pages: number;
  /** pg_stats' n_distinct of sp_token.value; null before any ANALYZE. */
  nDistinct: number | null;
  /** Whether the column carries an n_distinct option. */
  option: boolean;
}

async function tokenTable(db: SqlExecutor): Promise<TokenTable | undefined> {
  const { rows } = await db.query<TokenTable>(
    `SELECT GREATEST(c.reltuples, 0)::float8 AS rows, c.relpages::float8 AS pages,
            (SELECT s.n_distinct::float8 FROM pg_stats s
              WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = 'value') AS "nDistinct",
            EXISTS (SELECT 1 FROM pg_attribute a, unnest(a.attoptions) AS o
                     WHERE a.attrelid = c.oid AND a.attname = 'value' AND o LIKE 'n_distinct=%') AS option
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = 'sp_token'::regclass`,
  );
  return rows[0];
}

/**
 * Measures the share of distinct values of `sp_token.value` and, where it differs from the planner's
 * by more than half (a factor of 1.5 either way), sets the column's `n_distinct` to it and analyses
 * the table again (the option is read by ANALYZE). A table small enough for ANALYZE to read whole
 * keeps ANALYZE's exact count (a measure set earlier is removed). Run after an ANALYZE of `sp_token`.
 */
export async function tuneValueDistinct(db: SqlClient): Promise<ValueDistinct> {
  const table = await tokenTable(db);
  if (!table) return { rows: 0, planner: 0, changed: false };
  const rows = Number(table.rows);
  const planner = share(Number(table.nDistinct ?? 0), rows);
  if (rows <= ANALYZE_SAMPLE_ROWS) {
    if (!table.option) return { rows, planner, changed: false };
    await db.query('ALTER TABLE sp_token ALTER COLUMN value RESET (n_distinct)');
    await db.query('ANALYZE sp_token');
    const exact = await tokenTable(db);
    return { rows, planner: share(Number(exact?.nDistinct ?? 0), rows), changed: true };
  }
  if (table.nDistinct == null) return { rows, planner, changed: false }; // not analysed yet
  const measured = await measureShare(db, rows, Number(table.pages));
  if (measured === undefined || (measured <= planner * TOLERANCE && measured >= planner / TOLERANCE)) {
    return { rows, planner, measured, changed: false };
  }
  // a negative n_distinct is a share of the rows: it follows the table as it grows
  const option = Number((-measured).toPrecision(3));
  await db.query(`ALTER TABLE sp_token ALTER COLUMN value SET (n_distinct = ${option})`);
  await db.query('ANALYZE sp_token');
  return { rows, planner: -option, measured, changed: true };
}

/**
 * The planner's share of distinct token values now, and whether the server's measure set it (an
 * option on the column) or it is ANALYZE's own estimate — what the benchmark reports.
 */
export async function plannerValueDistinct(db: SqlExecutor): Promise<{ share: number; measured: boolean }> {
  const table = await tokenTable(db);
  if (!table) return { share: 0, measured: false };
  return { share: share(Number(table.nDistinct ?? 0), Number(table.rows)), measured: table.option };
}

/** PostgreSQL's n_distinct as a share of the rows (negative: already one; positive: a count). */
function share(nDistinct: number, rows: number): number {
  if (nDistinct < 0) return -nDistinct;
  return rows > 0 ? Math.min(1, nDistinct / rows) : 0;
}

/** Σ 1 / (rows holding the value) over a uniform sample of rows, ÷ the rows sampled. */
async function measureShare(db: SqlExecutor, rows: number, pages: number): Promise<number | undefined> {
  const percent = pages > 0 ? Math.min(100, (100 * SAMPLE_PAGES) / pages) : 100;
  const [result] = (
    await db.query<{ sampled: number; weight: number | null }>(
      `WITH common AS (
         SELECT m.value, m.frequency
           FROM pg_stats s, unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS m(value, frequency)
          WHERE (s.schemaname, s.tablename) = (SELECT n.nspname, c.relname FROM pg_class c
                  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = 'sp_token'::regclass)
            AND s.attname = 'value'
       ), sampled AS (
         SELECT resource_type, code, value FROM sp_token TABLESAMPLE SYSTEM ($1::float8)
          ORDER BY random() LIMIT $2::int
       )
       SELECT count(*)::int AS sampled,
              sum(CASE
                    WHEN s.value IS NULL THEN 0
                    WHEN c.frequency IS NOT NULL THEN 1 / GREATEST(c.frequency * $3::float8, 1)
                    ELSE 1.0 / (SELECT GREATEST(count(*), 1) FROM (
                      SELECT 1 FROM sp_token t
                       WHERE t.resource_type = s.resource_type AND t.code = s.code AND t.value = s.value
                       LIMIT $4::int) AS found)
                  END)::float8 AS weight
         FROM sampled s LEFT JOIN common c ON c.value = s.value`,
      [percent, SAMPLE_ROWS, rows, COUNT_CAP],
    )
  ).rows;
  if (!result || result.sampled === 0) return undefined;
  return Math.min(1, Number(result.weight ?? 0) / result.sampled);
}
