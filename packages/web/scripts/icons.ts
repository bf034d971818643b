// The app's icons as PNG (web manifest, home screen), drawn from public/favicon.svg by Debian's
// Chromium through playwright-core: `node packages/web/scripts/icons.ts`. The PNGs are committed,
// so a build needs no browser; run this again only when the favicon changes.
//   icon-<n>.png          the favicon as it is (rounded square), for "any" purpose
//   maskable-<n>.png      full-bleed blue with the heart inside the safe zone (Android masks it)
//   apple-touch-icon.png  180 px, full bleed, no transparency (iOS rounds it itself)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const web = dirname(dirname(fileURLToPath(import.meta.url)));
const favicon = readFileSync(join(web, 'public', 'favicon.svg'), 'utf8');
const out = join(web, 'public', 'icons');
const BLUE = '#005eb8';

/** The favicon's drawing (heart and pulse) without its rounded background. */
const artwork = favicon.replace(/<title>.*?<\/title>/, '').replace(/<rect[^>]*\/>/, '');

function fullBleed(scale: number): string {
  // the 32-unit drawing scaled about its centre; the maskable safe zone is the inner 80 % circle
  const offset = (32 - 32 * scale) / 2;
  const inner = artwork.replace(/^<svg[^>]*>/, '').replace(/<\/svg>$/, '');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" fill="${BLUE}"/><g transform="translate(${offset} ${offset}) scale(${scale})">${inner}</g></svg>`;
}

const icons: { file: string; size: number; svg: string }[] = [
  { file: 'icon-192.png', size: 192, svg: favicon },
  { file: 'icon-512.png', size: 512, svg: favicon },
  { file: 'maskable-192.png', size: 192, svg: fullBleed(0.7) },
  { file: 'maskable-512.png', size: 512, svg: fullBleed(0.7) },
  { file: 'apple-touch-icon.png', size: 180, svg: fullBleed(0.8) },
];

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  for (const icon of icons) {
    const page = await browser.newPage({ viewport: { width: icon.size, height: icon.size } });
    const svg = icon.svg.replace('<svg ', `<svg width="${icon.size}" height="${icon.size}" `);
    await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
    await page.screenshot({ path: join(out, icon.file), omitBackground: true });
    await page.close();
    console.log(`  public/icons/${icon.file}`);
  }
} finally {
  await browser.close();
}
