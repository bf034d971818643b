/**
 * The floor of a read over HTTP: a bare `node:http` server in its own process, answering a read by
 * id and a CNIE lookup with the floor's one prepared SELECT over a pg Pool, the row's text as the
 * body. No framework, no authentication, no FHIR: what any HTTP service in front of the same table
 * pays at least. bench/run.ts starts it for the PostgreSQL backend (floor.ts startHttpFloor).
 *
 *   node bench/floor-http-server.ts <floor database url> <connections>   (prints its port)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

const [url, connections = '8'] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, max: Number(connections) });
const STATEMENTS: Record<string, string> = {
  read: 'SELECT content::text AS content FROM bench_floor WHERE id = $1::text',
  identifier: 'SELECT content::text AS content FROM bench_floor WHERE ident = $1::text',
};

const server = createServer((req, res) => {
  const m = /^\/(read|identifier)\/([^/?]+)$/.exec(req.url ?? '');
  if (!m) {
    res.writeHead(404).end();
    return;
  }
  pool
    .query<{ content: string }>({ name: m[1], text: STATEMENTS[m[1]], values: [decodeURIComponent(m[2])] })
    .then(
      ({ rows }) => {
        if (rows.length !== 1) res.writeHead(404).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end(rows[0].content);
      },
      (error: Error) => res.writeHead(500).end(error.message),
    );
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
