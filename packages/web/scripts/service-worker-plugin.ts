/**
 * Builds /sw.js (src/pwa/sw.ts) once the app's own files are written: a second, small Vite build
 * that writes the release's file list and a version (a hash of that list and of index.html) into
 * the worker. A new release therefore means a new sw.js, which the browser notices and installs.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { build, type Plugin } from 'vite';
import { precacheList } from '../src/pwa/sw-rules.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

export function serviceWorker(options: { entry: string; outDir: string }): Plugin {
  return {
    name: 'sahti-service-worker',
    apply: 'build',
    // writeBundle: after the app (and public/) is written, before closeBundle compresses the lot
    async writeBundle() {
      const outDir = options.outDir;
      const files = filesUnder(outDir).map((file) => relative(outDir, file).split(sep).join('/'));
      const precache = precacheList(files);
      const hash = createHash('sha256');
      hash.update(JSON.stringify(precache));
      hash.update(readFileSync(join(outDir, 'index.html')));
      const version = hash.digest('hex').slice(0, 12);
      await build({
        configFile: false,
        logLevel: 'warn',
        define: {
          __SAHTI_PRECACHE__: JSON.stringify(precache),
          __SAHTI_VERSION__: JSON.stringify(version),
        },
        build: {
          outDir,
          emptyOutDir: false,
          target: 'es2022',
          minify: true,
          copyPublicDir: false,
          reportCompressedSize: false,
          lib: {
            entry: options.entry,
            formats: ['iife'],
            name: 'sahtiServiceWorker',
            fileName: () => 'sw.js',
          },
        },
      });
    },
  };
}
