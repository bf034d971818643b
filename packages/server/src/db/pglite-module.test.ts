import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startModes } from '../../../../bench/start-modes.ts';
import { functionBodySizes, LARGE_FUNCTION_BYTES, pgliteModule, withBaselineHints } from './pglite-module.ts';

/** `contents` preceded by its length, as WebAssembly sizes its sections and function bodies. */
function sized(contents: number[]): number[] {
  const size: number[] = [];
  let rest = contents.length;
  do {
    size.push(rest >= 128 ? (rest & 0x7f) | 0x80 : rest);
    rest >>= 7;
  } while (rest > 0);
  return [...size, ...contents];
}

/** A module exporting `small` (returns 1) and `large` (returns 2 after `padding` constant drops). */
function module(padding: number): Uint8Array<ArrayBuffer> {
  const name = (s: string) => [s.length, ...new TextEncoder().encode(s)];
  const small = [0x00, 0x41, 0x01, 0x0b]; // no locals; i32.const 1; end
  const large = [0x00, ...Array.from({ length: padding }, () => [0x41, 0x01, 0x1a]).flat(), 0x41, 0x02, 0x0b];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[1, ...sized([0x01, 0x60, 0x00, 0x01, 0x7f])], // one type: () -> i32
    ...[3, ...sized([0x02, 0x00, 0x00])], // two functions of that type
    ...[7, ...sized([0x02, ...name('small'), 0x00, 0x00, ...name('large'), 0x00, 0x01])],
    ...[10, ...sized([0x02, ...sized(small), ...sized(large)])],
  ]);
}

async function exports(
  bytes: Uint8Array<ArrayBuffer>,
): Promise<{ small: () => number; large: () => number }> {
  const instance = await WebAssembly.instantiate(new WebAssembly.Module(bytes));
  return instance.exports as unknown as { small: () => number; large: () => number };
}

describe("PGlite's module keeps its largest functions on the baseline compiler", () => {
  it('a hints section goes before the code section, naming only the functions over the limit', async () => {
    const plain = module(50); // the large body: 1 + 150 + 3 bytes
    assert.deepEqual(functionBodySizes(plain), [4, 154]);
    const { bytes, hinted } = withBaselineHints(plain, 100);
    assert.deepEqual(hinted, [1]);
    const text = new TextDecoder('latin1').decode(bytes);
    const at = text.indexOf('compilationHints');
    assert.ok(at > 0 && at < text.lastIndexOf('\x0a'), 'the section is in the module');
    // the section's contents: its name, two hints, the second "top tier: baseline"
    assert.deepEqual([...bytes.subarray(at + 16, at + 19)], [0x02, 0x00, 0x10]);
    assert.equal(bytes.length - plain.length, 1 + 1 + 1 + 16 + 1 + 2);
    // the same code: it validates, and both functions answer as before
    assert.ok(WebAssembly.validate(bytes));
    const hintedExports = await exports(bytes);
    assert.equal(hintedExports.small(), 1);
    assert.equal(hintedExports.large(), 2);
    assert.deepEqual(functionBodySizes(bytes), [4, 154]);
  });

  it('a module with no large function, or hints already, is left as it is', () => {
    const plain = module(50);
    assert.equal(withBaselineHints(plain, 1000).bytes, plain);
    const once = withBaselineHints(plain, 100).bytes;
    const twice = withBaselineHints(once, 100);
    assert.equal(twice.bytes, once);
    assert.deepEqual(twice.hinted, []);
  });

  it('what is not a module is refused, not misread', () => {
    assert.throws(
      () => withBaselineHints(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])),
      /not a WebAssembly module/,
    );
    const cut = module(50).subarray(0, 40); // the code section runs past the end
    assert.throws(() => withBaselineHints(cut, 100), /runs past the end/);
  });

  it("PGlite's own module: its few largest functions are hinted, and it compiles", async () => {
    const file = new URL('./pglite.wasm', import.meta.resolve('@electric-sql/pglite'));
    const wasm = new Uint8Array(readFileSync(file));
    const sizes = functionBodySizes(wasm);
    const { bytes, hinted } = withBaselineHints(wasm);
    assert.ok(hinted.length >= 1 && hinted.length <= 10, `${hinted.length} functions hinted`);
    for (const i of hinted) assert.ok((sizes[i] as number) > LARGE_FUNCTION_BYTES);
    assert.ok(hinted.includes(sizes.indexOf(Math.max(...sizes))), 'the largest is among them');
    assert.ok(WebAssembly.validate(bytes));
    const compiled = await pgliteModule();
    assert.equal(await pgliteModule(), compiled, 'compiled once per process');
    assert.ok(WebAssembly.Module.exports(compiled).length > 0);
  });

  it('V8, run as `npm start` runs it, optimises the small function and never the hinted one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sahti-hints-'));
    try {
      const wasm = join(dir, 'hinted.wasm');
      writeFileSync(wasm, withBaselineHints(module(50), 100).bytes);
      const script = join(dir, 'run.mjs');
      writeFileSync(
        script,
        `import { readFileSync } from 'node:fs';
         const { instance } = await WebAssembly.instantiate(readFileSync(${JSON.stringify(wasm)}));
         for (let i = 0; i < 1e5; i++) { instance.exports.small(); instance.exports.large(); }
         await new Promise((resolve) => setTimeout(resolve, 300)); // background compilations end`,
      );
      const shipped = startModes()[0]; // npm start's environment and node flags, from package.json
      const flags = shipped?.nodeFlags ?? [];
      assert.ok(
        flags.includes('--experimental-wasm-compilation-hints'),
        `npm start's flags: ${flags.join(' ')}`,
      );
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [...flags, '--trace-wasm-compilation-times', script],
        { env: { ...process.env, ...shipped?.env } },
      );
      const compiledWith = (fn: number) =>
        [...stdout.matchAll(new RegExp(`#${fn} using (\\w+)`, 'g'))].map((m) => m[1]).sort();
      assert.deepEqual(compiledWith(0), ['Liftoff', 'TurboFan']);
      assert.deepEqual(compiledWith(1), ['Liftoff']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
