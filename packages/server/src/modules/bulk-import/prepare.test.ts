import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDefinitions } from '@sahti/fhir';
import { moroccanIdentifierRule } from '../../identifiers/morocco.ts';
import type { ImportJob } from './imports.ts';
import { progressOf, refusalOutcome } from './manifest.ts';
import { prepareLine } from './prepare.ts';
import { PreparePool } from './prepare-pool.ts';
import { assembleBatch } from './run.ts';

loadDefinitions();
const rules = [moroccanIdentifierRule];
const now = '2026-12-01T12:00:00.000Z';
const line = (n: number, resource: unknown) => ({ line: n, text: JSON.stringify(resource) });

describe('preparing an import line', () => {
  it('builds the version as any write does: meta, index rows, compartment, no version number yet', () => {
    const prepared = prepareLine(
      line(7, {
        resourceType: 'Observation',
        id: 'o1',
        status: 'final',
        code: { text: 'poids' },
        subject: { reference: 'Patient/p1' },
      }),
      rules,
      now,
    );
    assert.ok(!('outcome' in prepared));
    assert.equal(prepared.line, 7);
    assert.equal(prepared.version.id, 'o1');
    assert.equal(prepared.version.method, 'PUT');
    assert.equal(prepared.version.lastUpdated, now);
    assert.deepEqual(prepared.version.compartment, ['p1']);
    assert.ok(prepared.version.rows?.reference.some((r) => r.code === 'subject' && r.target_id === 'p1'));
  });

  it('refuses, saying why: not JSON, a NUL, an unknown type, no id, a deployment rule', () => {
    const why = (row: { line: number; text: string | null }) => {
      const prepared = prepareLine(row, rules, now);
      assert.ok('outcome' in prepared, `line ${row.line} was accepted`);
      return prepared.outcome.issue?.[0]?.diagnostics ?? '';
    };
    assert.match(why({ line: 1, text: '{"resourceType":' }), /not JSON/);
    assert.match(why({ line: 2, text: null }), /NUL/);
    assert.match(why(line(3, { resourceType: 'Nope', id: 'x' })), /Nope/);
    assert.match(why(line(4, { resourceType: 'Patient' })), /no id/);
    assert.match(
      why(
        line(5, {
          resourceType: 'Patient',
          id: 'p',
          identifier: [{ system: 'https://sahti.ma/fhir/NamingSystem/cnie', value: 'nope' }],
        }),
      ),
      /CNIE/,
    );
  });
});

describe('assembling a batch', () => {
  it('cuts before a resource named twice; the refusals after the cut wait for the next batch', async () => {
    const pool = new PreparePool(rules, 0);
    const batch = await assembleBatch(
      [
        line(1, { resourceType: 'Patient', id: 'a' }),
        { line: 2, text: 'broken' },
        line(3, { resourceType: 'Patient', id: 'b' }),
        line(5, { resourceType: 'Patient', id: 'a' }),
        { line: 6, text: 'broken' },
      ],
      pool,
    );
    assert.deepEqual(
      batch.items.map((i) => i.line),
      [1, 3],
    );
    assert.deepEqual(
      batch.refusals.map((r) => r.line),
      [2],
    );
    assert.equal(batch.nextLine, 5);
    const whole = await assembleBatch([line(8, { resourceType: 'Patient', id: 'c' })], pool);
    assert.equal(whole.nextLine, 9);
    await pool.close();
  });
});

describe('what a client reads of an import', () => {
  it('names the line in every issue of a refusal, and counts progress in lines', () => {
    const o = refusalOutcome(12, {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', diagnostics: 'bad gender' }],
    });
    assert.equal(o.issue?.[0].diagnostics, 'Line 12: bad gender');
    assert.deepEqual(o.issue?.[0].location, ['line 12']);
    const job: Omit<ImportJob, 'status' | 'nextLine'> = {
      id: 'j',
      owner: 'system/x',
      principal: { kind: 'system', id: 'x', roles: [], scopes: [], display: 'x', clientId: 'x' },
      lines: 200,
      bytes: 1,
      counts: {},
      refused: 3,
      failure: null,
      createdAt: now,
      finishedAt: null,
    };
    assert.equal(progressOf({ ...job, status: 'running', nextLine: 51 }), '50 of 200 lines (25%), 3 refused');
    assert.equal(progressOf({ ...job, status: 'queued', nextLine: 1 }), 'queued: 200 lines to import');
  });
});
