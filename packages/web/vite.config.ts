import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { serviceWorker } from './scripts/service-worker-plugin.ts';

// `npm run dev -w @sahti/web` serves the app with hot reload and sends API calls to the platform
// (npm start, port 8080).
const platform = process.env.SAHTI_URL ?? 'http://localhost:8080';
const proxied = ['/fhir', '/auth', '/api', '/oauth2', '/.well-known'];

/**
 * Writes .br and .gz beside each text file of the build, which the platform serves as they are
 * (@fastify/static preCompressed): a cheap phone on a slow network downloads a third of the bytes,
 * and the server spends no CPU compressing on every request.
 */
function precompress(): Plugin {
  return {
    name: 'sahti-precompress',
    apply: 'build',
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
          const path = join(dir, name);
          return statSync(path).isDirectory() ? walk(path) : [path];
        });
      for (const file of walk('dist')) {
        if (!/\.(js|css|html|svg|json|webmanifest)$/.test(file) || statSync(file).size < 1024) continue;
        const content = readFileSync(file);
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
        writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  plugins: [react(), serviceWorker({ entry: 'src/pwa/sw.ts', outDir: 'dist' }), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
  server: {
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: platform, changeOrigin: false }])),
  },
});
