/**
 * A local HTTP "SMS gateway" for the HTTP provider: records each request (method, path, headers,
 * body) and answers 200, or a status chosen per recipient (`failFor(to, 500)`).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatewayRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SmsGateway {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  requests: GatewayRequest[];
  /** Answers `status` to requests whose body or URL mentions `to` (until `heal`). */
  failFor(to: string, status: number): void;
  heal(to: string): void;
  /** Waits for the next request that mentions `to`. */
  next(to: string, timeoutMs?: number): Promise<GatewayRequest>;
  close(): Promise<void>;
}

export async function startSmsGateway(): Promise<SmsGateway> {
  const requests: GatewayRequest[] = [];
  const failing = new Map<string, number>();
  const mentions = (r: GatewayRequest, to: string) =>
    r.body.includes(to) || decodeURIComponent(r.url).includes(to) || r.body.includes(encodeURIComponent(to));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      const status = [...failing].find(([to]) => mentions(request, to))?.[1] ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { accepted: true } : { error: 'test failure' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const taken = new Set<GatewayRequest>();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    failFor: (to, status) => failing.set(to, status),
    heal: (to) => failing.delete(to),
    async next(to, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = requests.find((r) => !taken.has(r) && mentions(r, to));
        if (found) {
          taken.add(found);
          return found;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no SMS request for ${to} within ${timeoutMs} ms`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
