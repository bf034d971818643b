/**
 * docs/security.md says only what the code does: every row of its threat table cites the tests
 * that prove it, and each cited test file exists and holds tests.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const doc = readFileSync(new URL('../docs/security.md', import.meta.url), 'utf8');
const table = doc.slice(doc.indexOf('## Threats and controls'), doc.indexOf('## Throttling and lockout'));
const rows = table
  .split('\n')
  .filter((l) => l.startsWith('| ') && !l.startsWith('| threat') && !l.startsWith('|---'))
  .map((l) => l.split(' | ').map((c) => c.replace(/^\| |\|$/g, '').trim()));

describe('the security document', () => {
  it('has a threat table of controls', () => {
    assert.ok(rows.length >= 15, `only ${rows.length} rows found`);
  });
  for (const [threat, , , proof] of rows) {
    it(`"${threat}" cites tests that exist`, () => {
      const cited = [...(proof ?? '').matchAll(/`(tests\/[^`]+\.test\.ts)`/g)].map((m) => m[1]);
      assert.ok(cited.length > 0, `no test cited for "${threat}"`);
      for (const file of cited) {
        const path = new URL(`../${file}`, import.meta.url);
        assert.ok(existsSync(path), `${file} does not exist`);
        assert.match(readFileSync(path, 'utf8'), /\bit\(/, `${file} holds no test`);
      }
    });
  }
});
