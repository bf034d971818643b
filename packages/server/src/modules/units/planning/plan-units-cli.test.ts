import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseCsv } from '../../../demo/csv.ts';
import { REFERENCE_DIR } from './reference-files.ts';

const ROOT = fileURLToPath(new URL('../../../../../../', import.meta.url));
const run = promisify(execFile);
const planUnits = (...args: string[]) =>
  run(process.execPath, [join(ROOT, 'scripts/plan-units.ts'), ...args], { cwd: ROOT, maxBuffer: 1 << 26 });

const communes = new Map(
  parseCsv(readFileSync(join(REFERENCE_DIR, 'communes.csv'), 'utf8')).map((c) => [c.code, c]),
);
const scratch = mkdtempSync(join(tmpdir(), 'sahti-plan-units-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('npm run plan:units on the real data', () => {
  it('--mode=fast --json prints the plan: covered ≤ underserved, 50 rural stops by commune code', async () => {
    const { stdout } = await planUnits(
      '--units=50',
      '--radius-km=15',
      '--underserved-km=10',
      '--mode=fast',
      '--json',
    );
    const plan = JSON.parse(stdout);
    for (const key of ['coveredPopulation', 'underservedPopulation', 'solveMs']) {
      assert.equal(typeof plan[key], 'number', key);
    }
    assert.equal(typeof plan.optimal, 'boolean');
    assert.ok(plan.coveredPopulation > 0);
    assert.ok(plan.coveredPopulation <= plan.underservedPopulation);
    assert.ok(plan.coveredPopulation <= plan.bound);
    assert.ok(plan.gap >= 0 && plan.gap < 0.01, `gap ${plan.gap}`);
    assert.equal(plan.stops.length, 50);
    assert.equal(new Set(plan.stops).size, 50);
    for (const code of plan.stops) {
      assert.equal(communes.get(code)?.type, 'rural', `${code} is a rural commune of communes.csv`);
    }
    const units = plan.provinces.reduce((s: number, p: { units: number }) => s + p.units, 0);
    assert.equal(units, 50);
    const perStop = plan.stopDetails.reduce(
      (s: number, stop: { coveredPopulation: number }) => s + stop.coveredPopulation,
      0,
    );
    assert.equal(perStop, plan.coveredPopulation);
  });

  it('--coverage --json gives population beyond 5/10/20 km by region and province', async () => {
    const { stdout } = await planUnits('--coverage', '--json');
    const report = JSON.parse(stdout);
    assert.equal(report.national.population, 36_828_330); // RGPH 2024 total of communes.csv
    assert.deepEqual(report.thresholdsKm, [5, 10, 20]);
    assert.equal(report.regions.length, 12);
    const [b5, b10, b20] = report.national.beyond.map((b: { population: number }) => b.population);
    assert.ok(b5 >= b10 && b10 >= b20 && b20 > 0);
    const regionSum = report.regions.reduce(
      (s: number, r: { beyond: { population: number }[] }) => s + r.beyond[1].population,
      0,
    );
    assert.equal(regionSum, b10);
  });

  it('--add-facilities changes the answer: a health centre at the first stop shrinks the underserved population', async () => {
    const { stdout } = await planUnits('--units=5', '--mode=fast', '--json');
    const before = JSON.parse(stdout);
    const stop = before.stopDetails[0];
    const file = join(scratch, 'extra.csv');
    writeFileSync(
      file,
      `name,kind,lat,lon,region,source_id\nCSR ajouté,health_centre,${stop.lat},${stop.lon},,admin/1\n`,
    );
    const after = JSON.parse(
      (await planUnits('--units=5', '--mode=fast', '--json', `--add-facilities=${file}`)).stdout,
    );
    assert.ok(after.underservedPopulation < before.underservedPopulation);
    assert.equal(after.facilityCount, before.facilityCount + 1);
  });

  it('bad input exits with status 2 and says what to fix', async () => {
    await assert.rejects(planUnits('--units=0', '--json'), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /--units: give a whole number of units/);
      return true;
    });
  });
});
