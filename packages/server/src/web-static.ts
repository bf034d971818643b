/**
 * Serves the web app (packages/web/dist) at `/`: hashed assets cached for a year, `index.html`
 * never cached (so a new release is picked up at once), and any other GET of a page address
 * answered with `index.html` so the app's own router can show it. API prefixes never fall back:
 * an unknown /fhir, /api, /auth, /oauth2 or /.well-known address stays a 404 OperationOutcome.
 * Assets are sent pre-compressed (brotli or gzip, as the browser accepts) when the build made them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Addresses that belong to the API, never to the web app. */
export const API_PREFIXES = ['/fhir', '/api', '/auth', '/oauth2', '/.well-known', '/healthz'];

const YEAR = 'public, max-age=31536000, immutable';
const HOUR = 'public, max-age=3600';

/** What the HTML shell may load and do: only this origin; no framing, no plugins. */
const SHELL_HEADERS: Record<string, string> = {
  'cache-control': 'no-cache',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; " +
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

export function isApiPath(path: string): boolean {
  return API_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

export interface WebStaticOptions {
  /** The built app (default packages/web/dist). */
  root?: string;
}

export async function webStatic(app: FastifyInstance, options: WebStaticOptions = {}): Promise<void> {
  const root = options.root ?? DEFAULT_WEB_ROOT;
  const built = existsSync(join(root, 'index.html'));
  const assets = join(root, 'assets');
  if (!built) {
    app.log.warn(`web app not built (${root}): run "npm run build:web"`);
  } else {
    await app.register(fastifyStatic, {
      root: assets,
      prefix: '/assets/',
      wildcard: true,
      index: false,
      // the build writes .br and .gz beside each asset (packages/web/vite.config.ts)
      preCompressed: true,
      cacheControl: false,
      dotfiles: 'deny',
      // sendFile below goes through the same options: only files under assets/ are immutable
      setHeaders: (reply, path) => {
        if (path.startsWith(assets)) reply.header('cache-control', YEAR);
      },
    });
  }

  const shell = (reply: FastifyReply) => {
    if (!built) {
      return reply
        .code(503)
        .header('cache-control', 'no-cache')
        .type('text/plain; charset=utf-8')
        .send('The Sahti web app is not built: run "npm run build:web", then reload.\n');
    }
    return reply.headers(SHELL_HEADERS).sendFile('index.html', root, { cacheControl: false });
  };

  app.get('/*', async (req, reply) => {
    const path = safeDecode(req.url.split('?')[0]);
    if (path === undefined) return reply.callNotFound();
    // let the app's not-found handler answer with its OperationOutcome
    if (isApiPath(path) || path.startsWith('/assets/')) return reply.callNotFound();
    // without a build only / explains itself; anything else stays an ordinary 404
    if (!built && path !== '/') return reply.callNotFound();
    const last = path.slice(path.lastIndexOf('/') + 1);
    if (last.includes('.') && last !== 'index.html') {
      // a top-level file of the build (favicon.svg…); send refuses anything outside root
      return reply.header('cache-control', HOUR).sendFile(path.slice(1), root, { cacheControl: false });
    }
    return shell(reply);
  });
}

function safeDecode(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined; // a malformed escape is nobody's page
  }
}
