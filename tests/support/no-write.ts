/**
 * Assertions for rejected requests: the answer is an OperationOutcome carrying an error, and the
 * database holds exactly the rows it held before (current resources and every version).
 */
import assert from 'node:assert/strict';
import { fhirFetch, type TestServer } from './server.ts';

export interface WriteCounts {
  resources: number;
  versions: number;
}

export type FetchInit = Parameters<typeof fhirFetch>[2];
export type FetchResult = Awaited<ReturnType<typeof fhirFetch>>;

/** Rows in `resource` and `resource_history`: any accepted write changes the second. */
export async function writeCounts(server: TestServer): Promise<WriteCounts> {
  const { rows } = await server.platform.db.query<{ resources: string; versions: string }>(
    'SELECT (SELECT count(*) FROM resource) AS resources, (SELECT count(*) FROM resource_history) AS versions',
  );
  return { resources: Number(rows[0].resources), versions: Number(rows[0].versions) };
}

/** Asserts an OperationOutcome with at least one issue of severity error (or fatal). */
export function assertErrorOutcome(res: FetchResult, label: string): void {
  const body = res.body;
  assert.equal(
    body?.resourceType,
    'OperationOutcome',
    `${label}: expected an OperationOutcome, got ${JSON.stringify(body)?.slice(0, 300)}`,
  );
  assert.ok(
    (body.issue ?? []).some((i: { severity?: string }) => i.severity === 'error' || i.severity === 'fatal'),
    `${label}: no issue of severity error in ${JSON.stringify(body).slice(0, 300)}`,
  );
}

/**
 * Sends the request, asserts the status (exact, or any 4xx when omitted), the OperationOutcome and
 * that nothing was written. Returns the response for further checks.
 */
export async function expectRejected(
  server: TestServer,
  path: string,
  init: FetchInit = {},
  status?: number,
): Promise<FetchResult> {
  const before = await writeCounts(server);
  const res = await fhirFetch(server.fhirBase, path, init);
  const label = `${init?.method ?? 'GET'} ${path.slice(0, 120)}`;
  if (status === undefined) {
    assert.ok(
      res.status >= 400 && res.status < 500,
      `${label}: expected a 4xx, got ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`,
    );
  } else {
    assert.equal(res.status, status, `${label}: ${JSON.stringify(res.body)?.slice(0, 300)}`);
  }
  assertErrorOutcome(res, label);
  assert.deepEqual(await writeCounts(server), before, `${label}: the database changed`);
  return res;
}

/** Asserts that one of the issues names `path` (exactly, or as a prefix) in its expression. */
export function assertNamesElement(res: FetchResult, path: string): void {
  const expressions: string[] = (res.body?.issue ?? []).flatMap(
    (i: { expression?: string[] }) => i.expression ?? [],
  );
  assert.ok(
    expressions.some((e) => e === path || e.startsWith(`${path}.`) || e.startsWith(`${path}[`)),
    `no issue names ${path}: expressions are ${JSON.stringify(expressions)}`,
  );
}

/** The entries of a searchset by search mode. */
export function entriesByMode(bundle: any, mode: 'match' | 'include' | 'outcome'): any[] {
  return (bundle?.entry ?? []).filter((e: any) => e.search?.mode === mode);
}

/** A random printable string of `n` characters that does not compress (defeats TOAST). */
export function incompressible(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String.fromCharCode(33 + Math.floor(Math.random() * 90));
  return out;
}

/**
 * Runs `work` while every INSERT into `table` fails (a trigger raising an error): the way to make
 * the last step of a multi-step write fail and check that the earlier steps rolled back with it.
 */
export async function whileInsertsRefused(
  server: TestServer,
  table: string,
  work: () => Promise<void>,
): Promise<void> {
  const db = server.platform.db;
  const name = `test_refuse_${table}`;
  await db.query(
    `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$`,
  );
  await db.query(`CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`);
  try {
    await work();
  } finally {
    await db.query(`DROP TRIGGER ${name} ON ${table}`);
    await db.query(`DROP FUNCTION ${name}()`);
  }
}
