/**
 * `node pglite-initdb.ts <folder>`: creates an embedded database cluster in `<folder>` and exits.
 * Run as a child process by pglite.ts, so that initdb's memory (the largest the embedded engine
 * ever uses, and WASM memory is never given back) is spent and released outside the server. It
 * opens the server's module (pglite-module.ts), whose compilation hints apply when the server
 * passes on its WebAssembly flags.
 */
import { PGlite } from '@electric-sql/pglite';
import { pgliteModule } from './pglite-module.ts';

const folder = process.argv[2];
if (!folder) throw new Error('usage: pglite-initdb.ts <folder>');
const pg = await PGlite.create({ dataDir: folder, pgliteWasmModule: await pgliteModule() });
await pg.close();
