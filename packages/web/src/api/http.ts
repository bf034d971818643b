/**
 * The one fetch wrapper: same-origin cookies, JSON both ways, the session's CSRF token on unsafe
 * methods, and failures thrown as ApiError. The CSRF token lives in memory only; after a reload it
 * comes back from GET /auth/me.
 */
import { ApiError } from './errors.ts';

let csrfToken: string | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Content type of the body (default application/json). */
  contentType?: string;
  signal?: AbortSignal;
}

export interface HttpResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

export async function request<T>(
  method: string,
  url: string,
  options: RequestOptions = {},
): Promise<HttpResponse<T>> {
  const headers: Record<string, string> = {
    accept: 'application/json, application/fhir+json',
    ...options.headers,
  };
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  if (!SAFE.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  const body = await readBody(response);
  if (!response.ok) throw new ApiError(response.status, body);
  return { status: response.status, body: body as T, headers: response.headers };
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204 || response.status === 304) return undefined;
  const text = await response.text();
  if (!text) return undefined;
  if (/json/.test(response.headers.get('content-type') ?? '')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
