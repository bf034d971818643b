/**
 * Shared by the browser tests (and bench/web.ts): the built web app, the platform with demo data,
 * Debian's Chromium through playwright-core (never a downloaded browser), sign-in through the real
 * UI, axe-core checks and screenshots.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOTP } from 'otpauth';
import { type Browser, type BrowserContext, chromium, type Page, type Request } from 'playwright-core';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../../../packages/server/src/auth/demo-accounts.ts';
import { seedDemoIfEmpty } from '../../../packages/server/src/demo-seed.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { watchStalls } from './stall-watch.ts';

export { DEMO_PASSWORD, DEMO_TOTP_SECRET };
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');
export const DEMO_PATIENT_CNIE = 'A438469';
export const DEMO_DOCTOR = 'doctor@demo.sahti.ma';
export const DEMO_ADMIN = 'administrator@demo.sahti.ma';

/** Builds packages/web/dist when it is missing or older than its sources (a child process). */
export function ensureWebBuilt(): void {
  const script = join(ROOT, 'packages', 'web', 'scripts', 'build-if-stale.ts');
  const result = spawnSync(process.execPath, [script], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`building the web app failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** The real platform on the runner's backend, with the demo data and the demo accounts; what is
 * slow while it runs is printed to stderr (stall-watch.ts). `options` as startTestServer's (an
 * SMTP server for the emails, say). */
export async function startDemoServer(
  options: Parameters<typeof startTestServer>[1] = {},
): Promise<TestServer> {
  const server = await startTestServer({ seedDemo: true }, options);
  try {
    await seedDemoIfEmpty(server.platform);
  } catch (error) {
    await server.close();
    throw error;
  }
  await dropDemoFollowUps(server);
  const stopWatching = watchStalls(server);
  return {
    ...server,
    close: () => {
      stopWatching();
      return server.close();
    },
  };
}

/**
 * The demo derives its first days of slots at once and the rest of the horizon a minute later, in
 * the background (scheduling.materialize for the directory's practitioners, 28 days; the dialysis
 * chairs, 90 days). In a test that minute falls in the middle of the file: on the embedded database,
 * in this process, tens of thousands of slots written in 400-entry transactions held the event loop
 * for one to two seconds at a time, for minutes, and pages waited seconds for each script — the
 * stalls of the browser tests in CI. The tests need only the first days (a stay or a booking within
 * them); the full derivations are tested in tests/scheduling*.test.ts and tests/dialysis.test.ts
 * and measured in bench/.
 */
async function dropDemoFollowUps(server: TestServer): Promise<void> {
  await server.platform.db.query(
    `DELETE FROM pgboss.job WHERE name = ANY($1::text[]) AND state = 'created'`,
    [['scheduling.materialize', 'dialysis.materialize-chairs']],
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

export const DESKTOP = { width: 1280, height: 900 };

/**
 * A French-speaking Moroccan browser (the app follows navigator.languages); `language` forces the
 * app's remembered choice instead, `state` reuses a signed-in session (cookies).
 *
 * The service worker is kept out unless a test is about it (`serviceWorkers: 'allow'`: offline,
 * the installable app): installed in a fresh browser it precaches every chunk of the app — some 140
 * requests per context, dozens of contexts per file — which competed with the test's own requests
 * on the server and made pages stall in CI (the stall watch logged assets taking 2–3 s each).
 */
export async function newContext(
  browser: Browser,
  options: {
    language?: 'fr' | 'ar';
    state?: Awaited<ReturnType<BrowserContext['storageState']>>;
    serviceWorkers?: 'allow' | 'block';
  } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    locale: 'fr-MA',
    viewport: DESKTOP,
    serviceWorkers: options.serviceWorkers ?? 'block',
    ...(options.state ? { storageState: options.state } : {}),
  });
  if (options.language) {
    await context.addInitScript(
      (lang) => window.localStorage.setItem('sahti.language', lang),
      options.language,
    );
  }
  return context;
}

/** Console errors and uncaught exceptions of a page, to assert on at the end. */
export function watchErrors(page: Page, into: string[], name = 'page'): void {
  page.on('console', (m) => {
    // a 403 on purpose (the refused chart) logs "Failed to load resource"; that is the test's point
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) into.push(`${name}: ${m.text()}`);
  });
  page.on('pageerror', (e) => into.push(`${name}: ${e.message}`));
}

/**
 * A page's requests as they went (method, path, then status, failure or still pending, with the
 * milliseconds since watching began), to say in a failure what the page asked for and got.
 */
export function watchTraffic(page: Page): () => string {
  const started = performance.now();
  const since = () => Math.round(performance.now() - started);
  const seen = new Map<Request, string>();
  const line = (request: Request) => `${request.method()} ${new URL(request.url()).pathname}`;
  page.on('request', (r) => seen.set(r, `+${since()} ms ${line(r)}: pending`));
  page.on(
    'requestfinished',
    (r) =>
      void r
        .response()
        .then((response) =>
          seen.set(
            r,
            `${seen.get(r)?.replace(/: pending$/, '')} → ${response?.status() ?? '?'} at +${since()} ms`,
          ),
        ),
  );
  page.on('requestfailed', (r) =>
    seen.set(
      r,
      `${seen.get(r)?.replace(/: pending$/, '')} → failed (${r.failure()?.errorText}) at +${since()} ms`,
    ),
  );
  return () => [...seen.values()].join('\n');
}

/** The current TOTP code of the demo staff accounts. */
export function demoTotp(): string {
  return new TOTP({ secret: DEMO_TOTP_SECRET }).generate();
}

/** Signs a patient in through the login page (French labels). */
export async function signInPatient(page: Page, base: string, cnie = DEMO_PATIENT_CNIE): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('Numéro de CNIE').fill(cnie);
  await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/portal');
}

/** Signs staff in through the login page: password, then the authenticator code. */
export async function signInStaff(page: Page, base: string, login: string, landing: string): Promise<void> {
  await page.goto(`${base}/login?as=staff`);
  await page.getByLabel('Identifiant').fill(login);
  await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
  const code = page.getByLabel('Code de votre application d’authentification');
  await code.fill(demoTotp());
  await page.getByRole('button', { name: 'Continuer' }).click();
  await page.waitForURL((url) => url.pathname === landing);
}

/** Waits until a screen has settled: its h1 shown, no request in flight, no loading state left. */
export async function settle(page: Page): Promise<void> {
  await page.locator('h1').first().waitFor();
  await page.waitForLoadState('networkidle');
  await page.locator('.loading').first().waitFor({ state: 'detached', timeout: 10_000 });
}

// ---- accessibility (axe-core) --------------------------------------------------------------------

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: unknown[]; html: string; failureSummary?: string }[];
}

/**
 * Runs axe-core on the page as it is; the colour contrast of SVG text, which axe leaves for review,
 * is measured here (fill against the opaque background behind the chart). The script is evaluated through the DevTools protocol rather
 * than added as a <script>: the app's CSP (script-src 'self') rightly refuses inline scripts.
 */
export async function runAxe(page: Page): Promise<{ violations: AxeViolation[]; review: AxeViolation[] }> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const { passed, violations, review } = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<any> } }).axe;
    const results = await axe.run(document, { resultTypes: ['violations', 'incomplete'] });
    const violations = results.violations;
    const review: any[] = [];
    for (const rule of results.incomplete) {
      if (rule.id !== 'color-contrast') {
        review.push(rule);
        continue;
      }
      // axe cannot tell the background of SVG text (chart axes) and leaves it for review: measure
      // it here, the text's fill against the first opaque background behind the <svg>
      const undecided = [];
      const failing = [];
      for (const node of rule.nodes) {
        const ratio = svgTextContrast(node.target);
        if (ratio === undefined) undecided.push(node);
        else if (ratio < 4.5)
          failing.push({ ...node, failureSummary: `SVG text contrast ${ratio.toFixed(2)}:1` });
      }
      if (undecided.length) review.push({ ...rule, nodes: undecided });
      if (failing.length) violations.push({ ...rule, nodes: failing });
    }
    return {
      passed: results.passes.length as number,
      violations: mapViolations(violations),
      review: mapViolations(review),
    };

    function svgTextContrast(target: unknown[]): number | undefined {
      if (target.length !== 1 || typeof target[0] !== 'string') return undefined;
      const text = document.querySelector(target[0]);
      const svg = text?.closest('svg');
      if (!text || !svg || !(text instanceof SVGTextElement)) return undefined;
      if (svg.querySelector('rect, image, foreignObject')) return undefined; // something may sit behind
      const fg = rgb(getComputedStyle(text).fill);
      let bg: number[] | undefined;
      for (let el: Element | null = svg.parentElement; el && !bg; el = el.parentElement) {
        const color = rgb(getComputedStyle(el).backgroundColor);
        if (color && color[3] === 1) bg = color;
        else if (color && color[3] > 0) return undefined; // translucent layers: leave it to a human
      }
      bg ??= [255, 255, 255, 1];
      if (fg?.[3] !== 1) return undefined;
      const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
      return (l1 + 0.05) / (l2 + 0.05);
    }
    function rgb(value: string): number[] | undefined {
      const m = /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/.exec(value);
      return m
        ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])]
        : undefined;
    }
    function luminance([r, g, b]: number[]): number {
      const c = [r, g, b].map((v) => {
        const x = v / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    }
    function mapViolations(list: any[]) {
      return list.map((v: any) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        nodes: v.nodes.map((n: any) => ({
          target: n.target,
          html: n.html,
          failureSummary: n.failureSummary,
        })),
      }));
    }
  });
  // a check that ran no rule would pass anything: make sure axe really looked at the page
  if (passed + violations.length < 10) throw new Error(`axe ran only ${passed + violations.length} rules`);
  return { violations, review };
}

export const isBlocking = (v: AxeViolation) => v.impact === 'serious' || v.impact === 'critical';

export function describeViolation(screen: string, v: AxeViolation, prefix = ''): string {
  const where = v.nodes
    .slice(0, 3)
    .map((n) => `      ${JSON.stringify(n.target)} ${n.html.slice(0, 140)}`)
    .join('\n');
  return `  ${prefix}[${v.impact}] ${screen}: ${v.id} — ${v.help} (${v.nodes.length} node(s))\n${where}`;
}

// ---- phones -------------------------------------------------------------------------------------

export const PHONE = { width: 390, height: 844 };

/**
 * Shows the page at a phone's width and measures how far it is wider than the screen, naming the
 * innermost elements that stick out (for the failure message); the caller restores the viewport.
 */
export async function phoneOverflow(page: Page): Promise<{ overflow: number; culprits: string[] }> {
  await page.setViewportSize(PHONE);
  // charts redraw at the new width once their ResizeObserver has fired: let a few frames pass
  await page.evaluate(
    () =>
      new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 100)))),
  );
  return page.evaluate(() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    const out = Array.from(document.body.querySelectorAll('*')).filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && (box.right > width + 1 || box.left < -1);
    });
    const innermost = out.filter((el) => !out.some((other) => other !== el && el.contains(other)));
    return {
      overflow: root.scrollWidth - width,
      culprits: innermost
        .slice(0, 5)
        .map(
          (el) =>
            `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().width)}px`,
        ),
    };
  });
}

// ---- screenshots --------------------------------------------------------------------------------

/** A full-page screenshot under test-results/screenshots/<backend>/; returns its path from the root. */
export async function screenshot(page: Page, backend: string, name: string): Promise<string> {
  const dir = join(SCREENSHOTS, backend);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  // a tall page on a loaded machine takes its time; a screenshot is evidence, not a speed test
  await page.screenshot({ path, fullPage: true, timeout: 60_000 });
  return relative(ROOT, path);
}
