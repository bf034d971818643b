import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findRoute, matchPath, safeNext } from './match.ts';

describe('matchPath', () => {
  it('matches literal segments and captures params', () => {
    assert.deepEqual(matchPath('/clinician/patients/:id', '/clinician/patients/42'), { id: '42' });
    assert.deepEqual(matchPath('/', '/'), {});
    assert.equal(matchPath('/portal', '/portal/record'), null);
    assert.equal(matchPath('/portal/record', '/portal'), null);
  });
  it('decodes params and ignores trailing slashes and queries', () => {
    assert.deepEqual(matchPath('/a/:name', '/a/El%20Idrissi/?x=1'), { name: 'El Idrissi' });
  });
  it('lets a star take the rest of the path', () => {
    assert.deepEqual(matchPath('/admin/*', '/admin/facilities/3'), { '*': 'facilities/3' });
  });
  it('finds the first matching route in order', () => {
    const routes = [{ path: '/a/new' }, { path: '/a/:id' }];
    assert.equal(findRoute(routes, '/a/new')?.route.path, '/a/new');
    assert.deepEqual(findRoute(routes, '/a/7')?.params, { id: '7' });
    assert.equal(findRoute(routes, '/b'), undefined);
  });
});

describe('safeNext', () => {
  it('refuses to send the user to another site after login', () => {
    assert.equal(safeNext('//evil.example/x', '/portal'), '/portal');
    assert.equal(safeNext('https://evil.example', '/portal'), '/portal');
    assert.equal(safeNext('/\\evil.example', '/portal'), '/portal');
    assert.equal(safeNext('/portal/record', '/'), '/portal/record');
    assert.equal(safeNext(null, '/'), '/');
  });
});
