/**
 * PGlite's WebAssembly module, compiled once per process, with a hint that keeps its largest
 * functions on V8's baseline compiler.
 *
 * Why: V8 compiles a WebAssembly function first with its baseline compiler (Liftoff) and later,
 * for the functions that run, with its optimising compiler (TurboFan). One of PostgreSQL's
 * functions has a 105 kB body, and optimising it takes about 600 MB of compiler memory for a
 * moment: that one compilation is the embedded server's whole memory peak (about 950 MiB against
 * 380 without it; docs/performance.md, *Memory of the embedded server*). V8's dynamic tiering
 * cannot leave one function out, but its compilation hints can (a `compilationHints` custom
 * section, one byte per function: strategy, baseline tier, top tier), and they are obeyed when
 * tiering is decided per function instead of by a budget. So `npm start` runs node with
 * `--no-wasm-dynamic-tiering --experimental-wasm-compilation-hints`: every PostgreSQL function
 * that runs is optimised in the background after its first call, except those whose body is
 * larger than {@link LARGE_FUNCTION_BYTES}, which stay on Liftoff.
 *
 * Without those flags V8 ignores the section and compiles as it always does; the module is the
 * same code either way (a custom section changes no behaviour). Compiling it once also lets every
 * PGlite instance of a process share one module (tests open many).
 */
import { readFile } from 'node:fs/promises';

/** Bodies larger than this are kept off the optimising compiler (PGlite 0.5 has four, 97–127 kB; the next is 42 kB). */
export const LARGE_FUNCTION_BYTES = 64 * 1024;

const SECTION_NAME = 'compilationHints';
const CODE_SECTION = 10;
const CUSTOM_SECTION = 0;
/** Strategy "default", baseline tier "default", top tier "baseline" (bits 4–5 = 1). */
const TOP_TIER_BASELINE = 0x10;
const NO_HINT = 0x00;

function readU32(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let p = at;
  for (;;) {
    if (p >= bytes.length) throw new Error('not a WebAssembly module: a number runs past the end');
    const byte = bytes[p++] as number;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: p };
    shift += 7;
    if (shift > 28) throw new Error('not a WebAssembly module: a number longer than 32 bits');
  }
}

function u32(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    const low = rest & 0x7f;
    rest = Math.floor(rest / 128);
    out.push(rest > 0 ? low | 0x80 : low);
  } while (rest > 0);
  return out;
}

interface Section {
  id: number;
  /** Offset of the section's id byte. */
  start: number;
  /** Offset of its contents. */
  body: number;
  end: number;
}

function sections(wasm: Uint8Array): Section[] {
  const magic = [0x00, 0x61, 0x73, 0x6d];
  if (wasm.length < 8 || magic.some((b, i) => wasm[i] !== b)) throw new Error('not a WebAssembly module');
  const found: Section[] = [];
  let p = 8;
  while (p < wasm.length) {
    const start = p;
    const id = wasm[p] as number;
    const size = readU32(wasm, p + 1);
    const end = size.next + size.value;
    if (end > wasm.length) throw new Error('not a WebAssembly module: a section runs past the end');
    found.push({ id, start, body: size.next, end });
    p = end;
  }
  return found;
}

function customName(wasm: Uint8Array, section: Section): string {
  const length = readU32(wasm, section.body);
  return new TextDecoder().decode(wasm.subarray(length.next, length.next + length.value));
}

/** Body sizes of the module's own functions, in order (the code section). */
export function functionBodySizes(wasm: Uint8Array): number[] {
  const code = sections(wasm).find((s) => s.id === CODE_SECTION);
  if (!code) return [];
  const count = readU32(wasm, code.body);
  const sizes: number[] = [];
  let p = count.next;
  for (let i = 0; i < count.value; i++) {
    const size = readU32(wasm, p);
    sizes.push(size.value);
    p = size.next + size.value;
  }
  return sizes;
}

/**
 * The module with a `compilationHints` section placed before its code section, giving every
 * function whose body is larger than `largerThan` bytes the baseline compiler as its top tier.
 * `hinted` lists those functions (indexes among the module's own functions). A module that
 * already carries hints, or has no such function, is returned as it is.
 */
export function withBaselineHints(
  wasm: Uint8Array<ArrayBuffer>,
  largerThan = LARGE_FUNCTION_BYTES,
): { bytes: Uint8Array<ArrayBuffer>; hinted: number[] } {
  const all = sections(wasm);
  const code = all.find((s) => s.id === CODE_SECTION);
  const hasHints = all.some((s) => s.id === CUSTOM_SECTION && customName(wasm, s) === SECTION_NAME);
  const sizes = functionBodySizes(wasm);
  const hinted = sizes.flatMap((size, i) => (size > largerThan ? [i] : []));
  if (!code || hasHints || hinted.length === 0) return { bytes: wasm, hinted: [] };
  const name = new TextEncoder().encode(SECTION_NAME);
  const hints = sizes.map((size) => (size > largerThan ? TOP_TIER_BASELINE : NO_HINT));
  const contents = [...u32(name.length), ...name, ...u32(hints.length), ...hints];
  const section = Uint8Array.from([CUSTOM_SECTION, ...u32(contents.length), ...contents]);
  const bytes = new Uint8Array(wasm.length + section.length);
  bytes.set(wasm.subarray(0, code.start), 0);
  bytes.set(section, code.start);
  bytes.set(wasm.subarray(code.start), code.start + section.length);
  return { bytes, hinted };
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** PGlite's module with the hints, compiled once per process. */
export function pgliteModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const file = new URL('./pglite.wasm', import.meta.resolve('@electric-sql/pglite'));
    const { bytes } = withBaselineHints(new Uint8Array(await readFile(file)));
    return WebAssembly.compile(bytes);
  })();
  compiled.catch(() => {
    compiled = undefined; // a failed read may succeed on the next open
  });
  return compiled;
}
