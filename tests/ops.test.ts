/**
 * Operations on the real platform: liveness and readiness, /metrics read back by an independent
 * Prometheus text parser (route patterns, never ids or query strings, as labels; access from
 * loopback or with the token), request ids in headers, OperationOutcomes and log lines, and a
 * graceful shutdown of the server process under SIGTERM that lets slow requests finish.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { type ClientRequest, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REQUEST_ID_EXTENSION } from '../packages/server/src/ops/index.ts';
import { type ChildServer, killAllChildren, startChild } from './support/child-server.ts';
import { type MetricFamily, parsePrometheusText, samplesOf } from './support/prometheus-text.ts';
import { fhirFetch, freshPostgresDatabase, startTestServer, type TestServer } from './support/server.ts';

const METRICS_TOKEN = `metrics-${randomUUID()}`;
process.env.SAHTI_METRICS_TOKEN = METRICS_TOKEN; // read when the platform starts
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.close();
  await killAllChildren();
});

async function scrape(headers: Record<string, string> = {}): Promise<Map<string, MetricFamily>> {
  const res = await fetch(`${server.url}/metrics`, { headers });
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

function requestIdIn(body: { extension?: { url: string; valueString?: string }[] }): string | undefined {
  return body.extension?.find((e) => e.url === REQUEST_ID_EXTENSION)?.valueString;
}

describe('health', () => {
  it('/health/live answers 200 while the process runs', async () => {
    const res = await fetch(`${server.url}/health/live`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  it('/health/ready checks the database, the migrations and the job runner', async () => {
    const res = await fetch(`${server.url}/health/ready`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      status: 'ok',
      checks: { database: 'ok', migrations: 'ok', jobs: 'ok' },
    });
  });

  it('/healthz still answers for the pollers that use it', async () => {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
  });
});

describe('request ids', () => {
  it('every response carries a generated x-request-id', async () => {
    const ids = new Set<string>();
    for (const path of ['/fhir/R4/metadata', '/health/live', '/api/no-such-route', '/fhir/R4/Patient']) {
      const res = await fetch(`${server.url}${path}`);
      const id = res.headers.get('x-request-id') ?? '';
      assert.match(id, UUID, path);
      ids.add(id);
    }
    assert.equal(ids.size, 4, 'one id per request');
  });

  it("a caller's short safe id is kept; anything else is replaced", async () => {
    const kept = await fetch(`${server.url}/health/live`, {
      headers: { 'x-request-id': 'lb-7f3a.42:retry_1' },
    });
    assert.equal(kept.headers.get('x-request-id'), 'lb-7f3a.42:retry_1');
    for (const unsafe of ['a'.repeat(65), 'has space', 'quote"s', '{"json":1}', '-leading-dash', 'é']) {
      const res = await fetch(`${server.url}/health/live`, { headers: { 'x-request-id': unsafe } });
      assert.match(res.headers.get('x-request-id') ?? '', UUID, unsafe);
    }
  });

  it('every OperationOutcome names the request id of its response', async () => {
    const cases: { what: string; path: string; init?: RequestInit; status: number }[] = [
      { what: 'unknown route', path: '/api/no-such-route', status: 404 },
      { what: 'no credentials', path: '/fhir/R4/Patient/x', status: 401 },
      {
        what: 'invalid JSON',
        path: '/fhir/R4/Patient',
        init: {
          method: 'POST',
          body: '{not json',
          headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${server.token}` },
        },
        status: 400,
      },
      {
        what: 'engine refusal',
        path: '/fhir/R4/Patient/does-not-exist',
        init: { headers: { authorization: `Bearer ${server.token}`, 'x-request-id': 'support-ticket-1' } },
        status: 404,
      },
    ];
    for (const c of cases) {
      const res = await fetch(`${server.url}${c.path}`, c.init);
      assert.equal(res.status, c.status, c.what);
      const body = await res.json();
      assert.equal(body.resourceType, 'OperationOutcome', c.what);
      const header = res.headers.get('x-request-id');
      assert.ok(header, c.what);
      assert.equal(requestIdIn(body), header, c.what);
    }
  });
});

describe('metrics', () => {
  it('are read from loopback without a token and parse as Prometheus text', async () => {
    const families = await scrape();
    for (const [name, type] of [
      ['sahti_http_requests_total', 'counter'],
      ['sahti_http_request_duration_seconds', 'histogram'],
      ['sahti_db_pool_connections', 'gauge'],
      ['sahti_db_pool_idle', 'gauge'],
      ['sahti_db_pool_waiting', 'gauge'],
      ['sahti_jobs_runner_up', 'gauge'],
      ['sahti_jobs_queue_depth', 'gauge'],
      ['sahti_jobs_dead_letters', 'gauge'],
      ['sahti_jobs_completed_total', 'counter'],
      ['sahti_jobs_failed_attempts_total', 'counter'],
      ['sahti_jobs_dead_total', 'counter'],
      ['sahti_notifications_backlog', 'gauge'],
      ['sahti_db_analyze_total', 'counter'],
      ['sahti_db_analyze_seconds_total', 'counter'],
      ['sahti_db_token_distinct_share', 'gauge'],
      ['sahti_db_checkpoints_total', 'counter'],
      ['sahti_db_checkpoints_seconds_total', 'counter'],
      ['sahti_db_vacuums_total', 'counter'],
      ['sahti_db_vacuums_seconds_total', 'counter'],
      ['sahti_audit_queued', 'gauge'],
      ['sahti_audit_written_total', 'counter'],
      ['sahti_audit_dropped_total', 'counter'],
      ['sahti_audit_failed_flushes_total', 'counter'],
      ['process_cpu_seconds_total', 'counter'],
      ['process_resident_memory_bytes', 'gauge'],
      ['nodejs_eventloop_lag_seconds', 'gauge'],
    ] as const) {
      assert.equal(families.get(name)?.type, type, name);
    }
    assert.equal(families.has('sahti_metrics_collect_errors_total'), true);
  });

  it('count requests by route pattern and status: ids and query strings never become labels', async () => {
    const created = await fhirFetch(server.fhirBase, '/Patient', {
      method: 'POST',
      body: { resourceType: 'Patient', name: [{ family: 'Metricsfamily', given: ['Secretgiven'] }] },
    });
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    for (let i = 0; i < 3; i++)
      assert.equal((await fhirFetch(server.fhirBase, `/Patient/${id}`)).status, 200);
    await fhirFetch(server.fhirBase, `/Patient?name=Secretgiven&_count=1`);
    await fhirFetch(server.fhirBase, `/Patient/${id}/_history/1`);
    await fhirFetch(server.fhirBase, `/Patient/${id}/$everything`);
    await fhirFetch(server.fhirBase, `/Patient/${id}/$no-such-operation`);
    await fhirFetch(server.fhirBase, `/Notatype${id}/${id}`);
    await fetch(`${server.url}/api/no/such/${id}`, { method: 'DELETE' }); // no route has this method

    const families = await scrape();
    const count = (route: string, status: string, method = 'GET') =>
      samplesOf(families, 'sahti_http_requests_total', { route, status, method }).reduce(
        (n, x) => n + x.value,
        0,
      );
    assert.equal(count('/fhir/R4/Patient/{id}', '200'), 3);
    assert.equal(count('/fhir/R4/Patient', '201', 'POST'), 1);
    assert.equal(count('/fhir/R4/Patient', '200'), 1);
    assert.equal(count('/fhir/R4/Patient/{id}/_history/{vid}', '200'), 1);
    assert.equal(count('/fhir/R4/Patient/{id}/$everything', '200'), 1);
    assert.equal(
      count('/fhir/R4/Patient/{id}/$operation', '404') + count('/fhir/R4/Patient/{id}/$operation', '400'),
      1,
    );
    assert.equal(
      samplesOf(families, 'sahti_http_requests_total', { route: '/fhir/R4/{type}/{id}' }).length,
      1,
    );
    assert.equal(
      samplesOf(families, 'sahti_http_requests_total', { route: '(unmatched)', method: 'DELETE' }).length,
      1,
    );

    const reads = { route: '/fhir/R4/Patient/{id}', status: '200', method: 'GET' };
    assert.equal(samplesOf(families, 'sahti_http_request_duration_seconds_count', reads)[0]?.value, 3);
    assert.equal(
      samplesOf(families, 'sahti_http_request_duration_seconds_bucket', { ...reads, le: '+Inf' })[0]?.value,
      3,
    );
    assert.ok(samplesOf(families, 'sahti_http_request_duration_seconds_sum', reads)[0]?.value > 0);
    assert.equal(
      samplesOf(families, 'sahti_http_request_duration_seconds_bucket', reads).length,
      13,
      '12 bounds + Inf',
    );

    for (const family of families.values()) {
      for (const sample of family.samples) {
        for (const value of Object.values(sample.labels)) {
          assert.ok(!value.includes(id), `${family.name} has the id in a label`);
          assert.ok(!/secretgiven|metricsfamily|\?/i.test(value), `${family.name}: ${value}`);
        }
      }
    }
  });

  it('report the database connections, the job queues, the outbox backlog and the audit writer', async () => {
    await server.platform.audit.flush();
    const families = await scrape();
    const gauge = (name: string, labels: Record<string, string> = {}) =>
      samplesOf(families, name, labels)[0]?.value;
    const dialect = server.backend;
    const total = Number(gauge('sahti_db_pool_connections', { dialect }));
    if (dialect === 'pglite') assert.equal(total, 1);
    else assert.ok(total >= 1 && total <= 10, String(total));
    assert.ok(Number(gauge('sahti_db_pool_idle', { dialect })) <= total);
    assert.equal(gauge('sahti_db_pool_waiting', { dialect }), 0);
    // the planner statistics gathered at start (and since, as data grew), none failed
    assert.ok(Number(gauge('sahti_db_analyze_total', { outcome: 'ok' })) >= 1);
    assert.equal(gauge('sahti_db_analyze_total', { outcome: 'failed' }), 0);
    assert.ok(Number(gauge('sahti_db_analyze_seconds_total')) > 0);
    // the share of distinct token values: the planner's; a database this small is read whole by
    // ANALYZE, so its exact count stands and nothing is measured (value-distinct.ts)
    const share = Number(gauge('sahti_db_token_distinct_share', { of: 'planner' }));
    assert.ok(share >= 0 && share <= 1, String(share));
    assert.equal(gauge('sahti_db_token_distinct_share', { of: 'measured' }), undefined);
    // the embedded database's checkpoints and vacuums are the server's to run (PostgreSQL runs its own)
    for (const name of ['sahti_db_checkpoints_total', 'sahti_db_vacuums_total']) {
      if (dialect === 'pglite') assert.equal(gauge(name, { outcome: 'failed' }), 0, name);
      else assert.equal(gauge(name, { outcome: 'ok' }), undefined, name);
    }
    assert.equal(gauge('sahti_jobs_runner_up'), 1);
    assert.ok(gauge('sahti_jobs_queue_depth', { queue: 'notify.deliver', state: 'ready' }) !== undefined);
    assert.equal(gauge('sahti_jobs_dead_letters'), 0);
    assert.equal(gauge('sahti_notifications_backlog', { status: 'pending', channel: 'email' }), 0);
    assert.ok(Number(gauge('sahti_audit_written_total')) > 0);
    assert.equal(gauge('sahti_audit_dropped_total'), 0);
    assert.equal(gauge('sahti_metrics_collect_errors_total'), undefined, 'no source failed');
  });

  it('from anywhere but loopback need the token of SAHTI_METRICS_TOKEN', async () => {
    // a reverse proxy on this machine connects from loopback too: its forwarding header counts
    const proxied = { 'x-forwarded-for': '203.0.113.9' };
    const without = await fetch(`${server.url}/metrics`, { headers: proxied });
    assert.equal(without.status, 401);
    assert.equal(without.headers.get('www-authenticate'), 'Bearer realm="metrics"');
    assert.equal((await without.json()).resourceType, 'OperationOutcome');
    const wrong = await fetch(`${server.url}/metrics`, {
      headers: { ...proxied, authorization: `Bearer ${METRICS_TOKEN}x` },
    });
    assert.equal(wrong.status, 401);
    await scrape({ ...proxied, authorization: `Bearer ${METRICS_TOKEN}` });
  });

  it('docs/operations.md lists exactly the sahti_ metrics the server exposes', async () => {
    const docs = await readFile(new URL('../docs/operations.md', import.meta.url), 'utf8');
    const rows = [...docs.matchAll(/^\| `(sahti_[a-z_]+)` \|.*$/gm)];
    // the replica metrics exist only with DATABASE_REPLICA_URL (tests/replicas.test.ts reads them)
    const replicaOnly = (n: string) => n.startsWith('sahti_db_replica_') || n === 'sahti_db_reads_total';
    const documented = new Set(rows.map((m) => m[1]).filter((n) => !replicaOnly(n)));
    const exposed = [...(await scrape()).keys()].filter((n) => n.startsWith('sahti_'));
    assert.deepEqual([...documented].sort(), exposed.sort());
  });
});

describe('readiness when a check fails', () => {
  it('answers 503 with an OperationOutcome naming the check (job runner stopped)', async () => {
    await server.platform.jobs.stop();
    const res = await fetch(`${server.url}/health/ready`);
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.resourceType, 'OperationOutcome');
    assert.deepEqual(
      body.issue.map((i: { details: { text: string } }) => i.details.text),
      ['jobs'],
    );
    assert.match(body.issue[0].diagnostics, /^jobs: the job runner is not running/);
    assert.equal(requestIdIn(body), res.headers.get('x-request-id'));
    assert.equal((await fetch(`${server.url}/health/live`)).status, 200, 'still alive');
  });
});

describe('graceful shutdown of the server process', () => {
  let dataDir: string;
  let database: { url: string; drop(): Promise<void> } | undefined;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sahti-shutdown-'));
    if (server.backend === 'postgres') database = await freshPostgresDatabase();
  });
  after(async () => {
    await killAllChildren();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const bundle = (tag: string, size: number) =>
    JSON.stringify({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: Array.from({ length: size }, (_, i) => ({
        request: { method: 'POST', url: 'Patient' },
        resource: { resourceType: 'Patient', name: [{ family: `Shutdown${tag}${i}` }] },
      })),
    });

  /**
   * A transaction bundle whose body arrives in two halves on its own connection: the request is
   * in flight (routed, logged) from the first half, and its work starts only once `finish()` sends
   * the rest — so the signal surely lands while it runs, even on PGlite, whose work keeps the
   * event loop (and so signal handling) busy until it is done.
   */
  function slowBundle(child: ChildServer, requestId: string, size: number) {
    const body = Buffer.from(bundle(requestId, size));
    const half = Math.floor(body.length / 2);
    let request: ClientRequest | undefined;
    const response = new Promise<{ status: number; body: any }>((resolve, reject) => {
      request = httpRequest(
        child.fhirBase,
        {
          method: 'POST',
          agent: false,
          headers: {
            'content-type': 'application/fhir+json',
            'content-length': body.length,
            authorization: `Bearer ${child.token}`,
            'x-request-id': requestId,
          },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
          );
          res.on('error', reject);
        },
      );
      request.on('error', reject);
      request.write(body.subarray(0, half));
    });
    return { response, finish: () => request?.end(body.subarray(half)) };
  }

  const until = async (what: string, child: ChildServer, test: () => boolean): Promise<void> => {
    for (let i = 0; i < 1500 && !test(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(test(), `${what}:\n${child.log()}`);
  };
  const received = (child: ChildServer, id: string) => child.log().includes(`"reqId":"${id}","req"`);

  it('SIGTERM lets in-flight requests finish with 200, then the process exits 0', async () => {
    const child = await startChild({ dataDir, databaseUrl: database?.url });
    const ids = ['slow-1', 'slow-2', 'slow-3'];
    const slow = ids.map((id) => slowBundle(child, id, 300));
    await until('the requests reached the server', child, () => ids.every((id) => received(child, id)));
    child.signal('SIGTERM');
    await until('the shutdown began', child, () => child.log().includes('SIGTERM: shutting down'));
    // no new connection once shutdown began
    const late = await fetch(`${child.fhirBase}/metadata`, { headers: { connection: 'close' } }).then(
      (res) => res.status,
      () => 0,
    );
    assert.ok(late === 0 || late === 503, `a new request got ${late}`);
    for (const s of slow) s.finish();
    const results = await Promise.all(slow.map((s) => s.response));
    for (const result of results) {
      assert.equal(result.status, 200, JSON.stringify(result.body).slice(0, 300));
      assert.equal(result.body.entry.length, 300);
    }
    assert.deepEqual(await child.exited, { code: 0, signal: null }, child.log());
    const log = child.log();
    assert.match(log, /shut down cleanly/);
    for (const id of ids) assert.match(log, new RegExp(`"reqId":"${id}"[^\\n]*"msg":"request completed"`));

    // what they wrote is there after a restart
    const again = await startChild({ dataDir, databaseUrl: database?.url });
    const count = await fetch(`${again.fhirBase}/Patient?family=Shutdownslow&_summary=count`, {
      headers: { authorization: `Bearer ${again.token}` },
    }).then((res) => res.json());
    assert.equal(count.total, 900);
    again.signal('SIGTERM');
    assert.deepEqual(await again.exited, { code: 0, signal: null }, again.log());
  });

  it('a second signal exits at once', async () => {
    const child = await startChild({ dataDir, databaseUrl: database?.url });
    const slow = slowBundle(child, 'slow-forced', 10);
    slow.response.catch(() => undefined); // the connection dies with the process
    await until('the request reached the server', child, () => received(child, 'slow-forced'));
    child.signal('SIGTERM');
    await until('the shutdown began', child, () => child.log().includes('SIGTERM: shutting down'));
    child.signal('SIGINT');
    assert.deepEqual(await child.exited, { code: 130, signal: null }, child.log());
    assert.match(child.log(), /SIGINT again: exiting without waiting/);
  });

  it('a shutdown longer than SAHTI_SHUTDOWN_SECONDS exits 1', async () => {
    const child = await startChild({
      dataDir,
      databaseUrl: database?.url,
      env: { SAHTI_SHUTDOWN_SECONDS: '1' },
    });
    const stuck = slowBundle(child, 'slow-stuck', 10);
    stuck.response.catch(() => undefined);
    await until('the request reached the server', child, () => received(child, 'slow-stuck'));
    const started = Date.now();
    child.signal('SIGTERM');
    assert.deepEqual(await child.exited, { code: 1, signal: null }, child.log());
    assert.ok(Date.now() - started >= 1000);
    assert.match(child.log(), /shutdown still not done after 1 s: exiting/);
  });
});
