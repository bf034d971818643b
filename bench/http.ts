/**
 * A minimal keep-alive HTTP client for the load generator. node:http rather than fetch: on a 2-core
 * machine the generator competes with the server for CPU, and fetch (undici + WHATWG streams) costs
 * noticeably more per request. Only 127.0.0.1 is ever contacted.
 */
import { Agent, request } from 'node:http';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** OAuth2 client credentials, when the server runs with access control on. */
export interface ClientCredentials {
  clientId: string;
  secret: string;
}

/** A token is fetched again after this long, well inside any sensible lifetime. */
const TOKEN_REFRESH_MS = 4 * 60_000;

export class HttpClient {
  readonly agent: Agent;
  readonly port: number;
  private readonly credentials?: ClientCredentials;
  private token?: { value: Promise<string>; at: number };

  constructor(port: number, connections: number, credentials?: ClientCredentials) {
    this.port = port;
    this.credentials = credentials;
    // one socket per concurrent worker, kept open: connection setup must not be measured
    this.agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  async send(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResponse> {
    if (this.credentials) headers = { authorization: `Bearer ${await this.bearer()}`, ...headers };
    return this.raw(method, path, body, headers);
  }

  /** One token request at a time: every worker awaits the same promise. */
  private bearer(): Promise<string> {
    if (!this.token || Date.now() - this.token.at > TOKEN_REFRESH_MS) {
      const { clientId, secret } = this.credentials as ClientCredentials;
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: secret,
        scope: 'system/*.*',
      }).toString();
      const value = this.raw('POST', '/oauth2/token', form, {
        'content-type': 'application/x-www-form-urlencoded',
      }).then((res) => {
        if (res.status !== 200) throw new Error(`token: HTTP ${res.status} ${res.body.slice(0, 200)}`);
        return (JSON.parse(res.body) as { access_token: string }).access_token;
      });
      this.token = { value, at: Date.now() };
    }
    return this.token.value;
  }

  private raw(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResponse> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: {
            accept: 'application/fhir+json',
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/fhir+json', 'content-length': Buffer.byteLength(payload) }),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      // a request that hangs must not hang the benchmark
      req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${path}: no answer in 120 s`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** undefined when the status is expected, else a short error text for the load report. */
export function expectStatus(res: HttpResponse, ...ok: number[]): string | undefined {
  if (ok.includes(res.status)) return undefined;
  return `HTTP ${res.status}: ${res.body.slice(0, 200)}`;
}

/** The id from `Location: …/Type/id/_history/n`. */
export function idFromLocation(location: string | string[] | undefined): string | undefined {
  const text = Array.isArray(location) ? location[0] : location;
  return text ? /\/([^/]+)\/_history\//.exec(text)?.[1] : undefined;
}
