/**
 * HTTP to a test server from a chosen loopback source address (127.0.x.y), so that a test plays
 * several clients whose addresses the throttles and rate limits tell apart.
 */
import http from 'node:http';
import type { TestServer } from './server.ts';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** Fresh loopback addresses, never one given before in this process; `skip` leaves the first ones out. */
export function addressSource(skip = 1): () => string {
  let used = 0;
  return () => {
    used++;
    return `127.0.${Math.floor(used / 250) + 1}.${(used % 250) + skip}`;
  };
}

export function sendFrom(
  on: TestServer,
  from: string,
  method: string,
  path: string,
  init: {
    json?: unknown;
    form?: Record<string, string>;
    raw?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined = init.raw;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const port = Number(new URL(on.url).port);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method, headers, localAddress: from, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          let json: unknown = text;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {}
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
