/**
 * One rest-hook call (R4): with a payload, PUT the resource to `{endpoint}/{type}/{id}`; without,
 * an empty POST to the endpoint; the channel's headers go along. The connection goes to the
 * address endpoint-guard.ts checked (pinned: no second DNS answer), redirects are not followed,
 * and the whole exchange has a deadline.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { AllowedEndpoint, ResolvedEndpoint } from './endpoint-guard.ts';

export interface HookCall {
  endpoint: AllowedEndpoint;
  address: ResolvedEndpoint;
  /** Present: PUT it under the endpoint base; absent: empty POST. */
  resource?: { resourceType: string; id: string; json: string };
  headers: [string, string][];
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface HookAnswer {
  status: number;
  /** The request reached the endpoint (the payload, if any, left the platform). */
  reached: boolean;
  error?: string;
  ms: number;
}

export function hookUrl(endpoint: URL, resource?: { resourceType: string; id: string }): URL {
  if (!resource) return endpoint;
  const url = new URL(endpoint);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${resource.resourceType}/${encodeURIComponent(resource.id)}`;
  return url;
}

function pinned(address: ResolvedEndpoint): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: address.address, family: address.family }]);
    else callback(null, address.address, address.family);
  }) as unknown as LookupFunction;
}

export function callHook(call: HookCall): Promise<HookAnswer> {
  const started = performance.now();
  const url = hookUrl(call.endpoint.url, call.resource);
  const body = call.resource?.json ?? '';
  const headers: Record<string, string> = {};
  for (const [name, value] of call.headers) headers[name] = value;
  headers['content-length'] = String(Buffer.byteLength(body));
  if (call.resource) headers['content-type'] = 'application/fhir+json; charset=utf-8';
  headers['user-agent'] = 'Sahti-Subscriptions/1';
  const signals = [AbortSignal.timeout(call.timeoutMs), ...(call.signal ? [call.signal] : [])];
  return new Promise((resolve) => {
    let reached = false;
    const done = (answer: Omit<HookAnswer, 'ms' | 'reached'>) =>
      resolve({ ...answer, reached, ms: performance.now() - started });
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: call.resource ? 'PUT' : 'POST',
      headers,
      lookup: pinned(call.address),
      agent: false,
      signal: AbortSignal.any(signals),
    });
    // the data leaves once the connection (TLS included) is up
    request.on('socket', (socket) => {
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        reached = true;
      });
    });
    request.on('response', (response) => {
      response.resume(); // the answer's body is not read
      response.on('end', () => done({ status: response.statusCode ?? 0 }));
      response.on('error', () => done({ status: response.statusCode ?? 0 }));
    });
    request.on('error', (err) =>
      done({
        status: 0,
        error: err.name === 'AbortError' ? `no answer within ${call.timeoutMs} ms` : err.message,
      }),
    );
    request.end(body);
  });
}
