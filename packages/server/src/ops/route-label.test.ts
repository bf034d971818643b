import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDefinitions } from '@sahti/fhir';
import { RouteLabels, UNMATCHED_ROUTE } from './route-label.ts';

loadDefinitions();
const labels = new RouteLabels('/fhir/R4', (name) => ['everything', 'validate'].includes(name));
const fhir = (url: string) => labels.label('/fhir/R4/*', url);

describe('route labels', () => {
  it('keep the patterns of ordinary routes and mark unmatched requests', () => {
    assert.equal(
      labels.label('/api/admin/jobs/:id/retry', '/api/admin/jobs/123/retry'),
      '/api/admin/jobs/:id/retry',
    );
    assert.equal(labels.label(undefined, '/nowhere/123'), UNMATCHED_ROUTE);
    assert.equal(labels.label('/fhir/R4', '/fhir/R4?_format=json'), '/fhir/R4');
  });

  it('reduce FHIR paths to shapes: types and grammar words stay, ids and queries go', () => {
    const cases: [string, string][] = [
      ['/fhir/R4/metadata', '/fhir/R4/metadata'],
      ['/fhir/R4/Patient?name=Amrani&birthdate=1980', '/fhir/R4/Patient'],
      ['/fhir/R4/Patient/_search', '/fhir/R4/Patient/_search'],
      ['/fhir/R4/Patient/A438469', '/fhir/R4/Patient/{id}'],
      ['/fhir/R4/Patient/abc/_history', '/fhir/R4/Patient/{id}/_history'],
      ['/fhir/R4/Patient/abc/_history/3', '/fhir/R4/Patient/{id}/_history/{vid}'],
      ['/fhir/R4/Patient/abc/Observation?code=x', '/fhir/R4/Patient/{id}/Observation'],
      ['/fhir/R4/Patient/abc/$everything', '/fhir/R4/Patient/{id}/$everything'],
      ['/fhir/R4/Patient/abc/$secret-name', '/fhir/R4/Patient/{id}/$operation'],
      ['/fhir/R4/Observation/$validate', '/fhir/R4/Observation/$validate'],
      ['/fhir/R4/$whatever', '/fhir/R4/$operation'],
      ['/fhir/R4/_history', '/fhir/R4/_history'],
      ['/fhir/R4/A438469/x', '/fhir/R4/{type}/{id}'],
      ['/fhir/R4/humanName/1', '/fhir/R4/{type}/{id}'],
      ['/fhir/R4/Patient/a/b/c/d/e', '/fhir/R4/Patient/{id}/{type}/{id}/…'],
    ];
    for (const [url, shape] of cases) assert.equal(fhir(url), shape, url);
  });
});
