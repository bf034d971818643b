/**
 * `node bench/web.ts [--runs=N]`: the web app on a weak network, measured in Debian's Chromium
 * (/usr/bin/chromium through playwright-core) against the real platform with the demo data (PGlite).
 *
 * 1. Weight: every JS and CSS file the browser loads for the login page (empty cache), then for the
 *    portal home after signing in (same tab: the login's files are cached), from Chromium's own
 *    network log (`requestfinished` + `request.sizes()`): bytes on the wire as served, and each
 *    file's gzip size (the build's .gz), against the 200 KB budget.
 * 2. Time to a usable first screen under "Slow 3G" (CDP Network.emulateNetworkConditions: 400 ms
 *    latency, 400 kbit/s = 50,000 B/s down and up): navigation start → the login form's submit
 *    button visible and enabled; click on "Se connecter" → the portal home's first card shown with
 *    its content (no loading state left). Baselines in the same run: the same loads unthrottled
 *    (ratio), and a raw static file of the same number of bytes as the throttled load transferred,
 *    fetched under the same throttling from a bare Node server (floor: the network's own minimum).
 *
 * 3. A return visit under Slow 3G, once the service worker has kept the app shell: navigation
 *    start → the login form usable (the first visits above run without the worker, as a first
 *    visit does, and because the worker's own downloads escape the page's throttling).
 *
 * Prints a table and writes bench/results/web-<timestamp>.json (git-ignored).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Browser, Page, Request } from 'playwright-core';
import {
  DEMO_PASSWORD,
  DEMO_PATIENT_CNIE,
  ensureWebBuilt,
  launchChromium,
  ROOT,
  startDemoServer,
} from '../tests/browser/support/browser.ts';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const RUNS = Math.max(1, Number(args.runs));
const BUDGET_BYTES = 200 * 1024; // the 200 KB, gzipped JS + CSS of the first screen
const SLOW_3G = { offline: false, latency: 400, downloadThroughput: 50_000, uploadThroughput: 50_000 };
const ASSETS = join(ROOT, 'packages', 'web', 'dist', 'assets');
const log = (line = '') => console.log(line);

// ---- the network log ------------------------------------------------------------------------------

interface Transfer {
  url: string;
  type: string; // playwright resourceType: document, script, stylesheet, font, fetch…
  encoding: string;
  /** Bytes of the body on the wire (compressed as served) and of the response headers. */
  body: number;
  headers: number;
  /** gzip size of the file (the build's .gz beside it, or gzip -9 of it); JS and CSS assets only. */
  gzip?: number;
  /** The file's own size, uncompressed. */
  raw?: number;
  /** When the request started (epoch ms) and how long until its last byte (ms). */
  startedAt: number;
  ms: number;
}

function assetSizes(url: string): { gzip?: number; raw?: number } {
  const path = new URL(url).pathname;
  if (!path.startsWith('/assets/') || !/\.(js|css)$/.test(path)) return {};
  const file = join(ASSETS, path.slice('/assets/'.length));
  if (!existsSync(file)) return {};
  const raw = statSync(file).size;
  const gz = `${file}.gz`;
  return {
    raw,
    gzip: existsSync(gz) ? statSync(gz).size : gzipSync(readFileSync(file), { level: 9 }).length,
  };
}

/** Records what a page transfers until `stop()`. */
function recordTransfers(page: Page): { stop(): Promise<Transfer[]> } {
  const pending: Promise<Transfer | undefined>[] = [];
  const onFinished = (request: Request) => {
    pending.push(
      (async () => {
        const response = await request.response();
        if (!response) return undefined;
        const sizes = await request.sizes();
        const timing = request.timing();
        return {
          startedAt: timing.startTime,
          ms: timing.responseEnd,
          url: request.url(),
          type: request.resourceType(),
          encoding: (await response.headerValue('content-encoding')) ?? 'identity',
          body: sizes.responseBodySize,
          headers: sizes.responseHeadersSize,
          ...assetSizes(request.url()),
        };
      })().catch(() => undefined),
    );
  };
  page.on('requestfinished', onFinished);
  return {
    async stop() {
      page.off('requestfinished', onFinished);
      return (await Promise.all(pending)).filter((t): t is Transfer => t !== undefined);
    },
  };
}

const isCode = (t: Transfer) => t.type === 'script' || t.type === 'stylesheet';
const sum = (list: Transfer[], f: (t: Transfer) => number) => list.reduce((n, t) => n + f(t), 0);

// ---- one visit: login page, then sign in to the portal home ---------------------------------------

interface Visit {
  /** ms from navigation start to the submit button visible and enabled. */
  loginMs: number;
  /** ms from the click on "Se connecter" to the portal's first card shown with its content. */
  portalMs: number;
  login: Transfer[];
  portal: Transfer[];
}

const SUBMIT = 'main form button[type="submit"]';

async function visit(browser: Browser, base: string, throttle: boolean): Promise<Visit> {
  const context = await browser.newContext({
    locale: 'fr-MA',
    viewport: { width: 390, height: 844 },
    serviceWorkers: 'block',
  });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(120_000);
    if (throttle) {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
    }
    let recorder = recordTransfers(page);
    await page.goto(`${base}/login`, { waitUntil: 'commit' });
    // measured by the page's own clock: performance.now() counts from the navigation's start
    const loginMs = (await (
      await page.waitForFunction(
        (selector) => {
          const button = document.querySelector<HTMLButtonElement>(selector);
          if (!button || button.disabled) return false;
          const box = button.getBoundingClientRect();
          return box.width > 0 && box.height > 0 ? performance.now() : false;
        },
        SUBMIT,
        { polling: 'raf' },
      )
    ).jsonValue()) as number;
    await page.waitForLoadState('networkidle');
    const login = await recorder.stop();

    await page.getByLabel('Numéro de CNIE').fill(DEMO_PATIENT_CNIE);
    await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
    recorder = recordTransfers(page);
    const clickedAt = await page.evaluate(() => performance.now());
    await page.locator(SUBMIT).click();
    const cardAt = (await (
      await page.waitForFunction(
        () => {
          if (location.pathname !== '/portal') return false;
          const card = document.querySelector('main .card');
          if (!card || card.querySelector('.loading')) return false;
          return card.getBoundingClientRect().height > 0 ? performance.now() : false;
        },
        null,
        { polling: 'raf' },
      )
    ).jsonValue()) as number;
    await page.waitForLoadState('networkidle');
    await page.locator('main .loading').first().waitFor({ state: 'detached' });
    const portal = await recorder.stop();
    return { loginMs, portalMs: cardAt - clickedAt, login, portal };
  } finally {
    await context.close();
  }
}

/** ms from navigation start to the login form usable, on a return visit served by the service worker. */
async function returnVisitMs(browser: Browser, base: string): Promise<number> {
  const context = await browser.newContext({ locale: 'fr-MA', viewport: { width: 390, height: 844 } });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(120_000);
    await page.goto(`${base}/login`);
    // the first visit installs the worker, which keeps the shell before it takes over
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve));
      }
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
    await page.goto(`${base}/login`, { waitUntil: 'commit' });
    return (await (
      await page.waitForFunction(
        (selector) => {
          const button = document.querySelector<HTMLButtonElement>(selector);
          if (!button || button.disabled) return false;
          const box = button.getBoundingClientRect();
          return box.width > 0 && box.height > 0 ? performance.now() : false;
        },
        SUBMIT,
        { polling: 'raf' },
      )
    ).jsonValue()) as number;
  } finally {
    await context.close();
  }
}

// ---- the floor: the same number of bytes as one raw file ------------------------------------------

/** A bare server answering /floor/<n> with an n-byte HTML page that cannot be compressed. */
async function floorServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const n = Number(/^\/floor\/(\d+)$/.exec(req.url ?? '')?.[1] ?? 0);
    const head = '<!doctype html><title>floor</title><p id="done">ok</p><!--';
    const tail = '-->';
    const filler = randomBytes(Math.ceil(n * 0.75)).toString('base64');
    const body = (head + filler).slice(0, Math.max(0, n - tail.length)) + tail;
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, server };
}

/** ms from navigation start to the last byte of an n-byte page, throttled like the visits. */
async function floorMs(browser: Browser, url: string, bytes: number): Promise<number> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(120_000);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
    await page.goto(`${url}/floor/${bytes}`, { waitUntil: 'load' });
    return await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return nav.responseEnd;
    });
  } finally {
    await context.close();
  }
}

// ---- run -------------------------------------------------------------------------------------------

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

log(`web bench: ${RUNS} run(s) per measurement; building the app if stale…`);
ensureWebBuilt();
const started = Date.now();
const server = await startDemoServer();
const browser = await launchChromium();
const floor = await floorServer();
try {
  const fast: Visit[] = [];
  const returning: number[] = [];
  const slow: Visit[] = [];
  const floorLogin: number[] = [];
  const floorPortal: number[] = [];
  await visit(browser, server.url, false); // warm the server (first queries, JIT)
  for (let run = 1; run <= RUNS; run++) {
    fast.push(await visit(browser, server.url, false));
    const throttled = await visit(browser, server.url, true);
    slow.push(throttled);
    const wire = (list: Transfer[]) => sum(list, (t) => t.body + t.headers);
    floorLogin.push(await floorMs(browser, floor.url, wire(throttled.login)));
    floorPortal.push(await floorMs(browser, floor.url, wire(throttled.portal)));
    returning.push(await returnVisitMs(browser, server.url));
    log(
      `  run ${run}: login ${sec(throttled.loginMs)} (unthrottled ${sec(fast.at(-1)!.loginMs)}, floor ${sec(floorLogin.at(-1)!)}),` +
        ` portal ${sec(throttled.portalMs)} (unthrottled ${sec(fast.at(-1)!.portalMs)}, floor ${sec(floorPortal.at(-1)!)})`,
    );
  }

  // weight, from the last throttled visit (the same files each time)
  const last = slow.at(-1)!;
  const files = (list: Transfer[]) =>
    list.filter(isCode).map((t) => ({
      file: new URL(t.url).pathname,
      type: t.type,
      encoding: t.encoding,
      wire: t.body,
      gzip: t.gzip ?? t.body,
      raw: t.raw ?? 0,
    }));
  const loginFiles = files(last.login);
  const portalFiles = files(last.portal);
  const total = (list: ReturnType<typeof files>, k: 'wire' | 'gzip' | 'raw') =>
    list.reduce((n, f) => n + f[k], 0);
  const everything = (list: Transfer[]) => ({
    requests: list.length,
    wireBytes: sum(list, (t) => t.body + t.headers),
    byType: Object.fromEntries(
      [...new Set(list.map((t) => t.type))].map((type) => [
        type,
        sum(
          list.filter((t) => t.type === type),
          (t) => t.body + t.headers,
        ),
      ]),
    ),
  });

  const gzipFirstScreen = total(loginFiles, 'gzip') + total(portalFiles, 'gzip');
  const result = {
    when: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
    chromium: browser.version(),
    runs: RUNS,
    network: { name: 'Slow 3G (CDP)', ...SLOW_3G },
    budgetBytes: BUDGET_BYTES,
    weight: {
      login: {
        files: loginFiles,
        gzip: total(loginFiles, 'gzip'),
        wire: total(loginFiles, 'wire'),
        raw: total(loginFiles, 'raw'),
      },
      portalAfterLogin: {
        files: portalFiles,
        gzip: total(portalFiles, 'gzip'),
        wire: total(portalFiles, 'wire'),
        raw: total(portalFiles, 'raw'),
      },
      firstScreenGzip: gzipFirstScreen,
      withinBudget: gzipFirstScreen <= BUDGET_BYTES,
      allTransfers: { login: everything(last.login), portalAfterLogin: everything(last.portal) },
    },
    time: {
      returnVisit: {
        slow3gMs: median(returning),
        samples: returning,
      },
      login: {
        slow3gMs: median(slow.map((v) => v.loginMs)),
        unthrottledMs: median(fast.map((v) => v.loginMs)),
        floorMs: median(floorLogin),
        floorBytes: sum(last.login, (t) => t.body + t.headers),
        samples: {
          slow3g: slow.map((v) => v.loginMs),
          unthrottled: fast.map((v) => v.loginMs),
          floor: floorLogin,
        },
      },
      portal: {
        slow3gMs: median(slow.map((v) => v.portalMs)),
        unthrottledMs: median(fast.map((v) => v.portalMs)),
        floorMs: median(floorPortal),
        floorBytes: sum(last.portal, (t) => t.body + t.headers),
        samples: {
          slow3g: slow.map((v) => v.portalMs),
          unthrottled: fast.map((v) => v.portalMs),
          floor: floorPortal,
        },
      },
    },
  };

  log('\n### Weight: JS + CSS of the first screen\n');
  log('| step | files | raw | on the wire | gzip |');
  log('|---|---:|---:|---:|---:|');
  const w = result.weight;
  log(
    `| login page (empty cache) | ${loginFiles.length} | ${kb(w.login.raw)} | ${kb(w.login.wire)} | ${kb(w.login.gzip)} |`,
  );
  log(
    `| portal home after login (added) | ${portalFiles.length} | ${kb(w.portalAfterLogin.raw)} | ${kb(w.portalAfterLogin.wire)} | ${kb(w.portalAfterLogin.gzip)} |`,
  );
  log(
    `| **first screen, total** | ${loginFiles.length + portalFiles.length} | ${kb(w.login.raw + w.portalAfterLogin.raw)} | ${kb(w.login.wire + w.portalAfterLogin.wire)} | **${kb(gzipFirstScreen)}** |`,
  );
  log(
    `\nBudget ${kb(BUDGET_BYTES)} gzipped: ${w.withinBudget ? 'within' : 'OVER'} (${((100 * gzipFirstScreen) / BUDGET_BYTES).toFixed(0)} %).` +
      ` Encodings served: ${[...new Set([...loginFiles, ...portalFiles].map((f) => f.encoding))].join(', ')}.`,
  );
  log(
    `Everything transferred (HTML, JS, CSS, fonts, API, headers): login ${kb(w.allTransfers.login.wireBytes)} in ${w.allTransfers.login.requests} requests,` +
      ` portal ${kb(w.allTransfers.portalAfterLogin.wireBytes)} in ${w.allTransfers.portalAfterLogin.requests} requests.`,
  );
  log('\nFiles:');
  for (const f of [
    ...loginFiles.map((f) => ({ ...f, step: 'login' })),
    ...portalFiles.map((f) => ({ ...f, step: 'portal' })),
  ])
    log(
      `  ${f.step.padEnd(6)} ${f.file.padEnd(40)} ${kb(f.raw).padStart(9)} raw ${kb(f.gzip).padStart(8)} gzip (${f.encoding})`,
    );

  const waterfall = (list: Transfer[]) => {
    const t0 = Math.min(...list.map((t) => t.startedAt));
    return [...list]
      .sort((a, b) => a.startedAt - b.startedAt)
      .map((t) => ({
        path: new URL(t.url).pathname,
        type: t.type,
        bytes: t.body + t.headers,
        startMs: Math.round(t.startedAt - t0),
        endMs: Math.round(t.startedAt - t0 + t.ms),
      }));
  };
  Object.assign(result, { waterfall: { login: waterfall(last.login), portal: waterfall(last.portal) } });
  log('\nSlow 3G waterfall (last run; ms from the first request):');
  for (const [step, list] of [
    ['login', last.login],
    ['portal', last.portal],
  ] as const)
    for (const r of waterfall(list))
      log(
        `  ${step.padEnd(6)} ${String(r.startMs).padStart(5)} → ${String(r.endMs).padStart(5)}  ${r.type.padEnd(10)} ${kb(r.bytes).padStart(8)}  ${r.path}`,
      );

  log(`\n### Time to a usable first screen (median of ${RUNS})\n`);
  log(
    '| screen | Slow 3G | unthrottled | Slow 3G ÷ unthrottled | floor (same bytes, one raw file) | Slow 3G ÷ floor |',
  );
  log('|---|---:|---:|---:|---:|---:|');
  for (const [name, t] of [
    ['login form usable (navigation → submit enabled)', result.time.login],
    ['portal home first card (click → card with content)', result.time.portal],
  ] as const) {
    log(
      `| ${name} | ${sec(t.slow3gMs)} | ${sec(t.unthrottledMs)} | ${(t.slow3gMs / t.unthrottledMs).toFixed(1)} | ${sec(t.floorMs)} | ${(t.slow3gMs / t.floorMs).toFixed(2)} |`,
    );
  }
  const back = result.time.returnVisit.slow3gMs;
  log(
    `| login form usable, return visit (shell kept by the service worker) | ${sec(back)} | | | | ${(back / result.time.login.slow3gMs).toFixed(2)} of the first visit |`,
  );

  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `web-${result.when.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`\nresults: ${file} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
} finally {
  await browser.close();
  floor.server.close();
  await server.close();
}
