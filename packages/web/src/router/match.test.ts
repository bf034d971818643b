import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findRoute, matchPath, matchTree, safeNext } from './match.ts';

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

describe('matchTree', () => {
  interface Node {
    path: string;
    name: string;
    children?: Node[];
  }
  const tree: Node[] = [
    { path: '/login', name: 'login' },
    {
      path: '/clinician',
      name: 'clinician',
      children: [
        { path: '', name: 'find' },
        {
          path: 'patients/:id',
          name: 'chart',
          children: [
            { path: '', name: 'overview' },
            { path: 'encounters/:encounter', name: 'encounter' },
          ],
        },
      ],
    },
    { path: '/clinician/*', name: 'fallback' },
  ];
  const names = (path: string) => matchTree(tree, path)?.chain.map((n) => n.name);

  it('walks from the branch to the leaf, index routes included', () => {
    assert.deepEqual(names('/login'), ['login']);
    assert.deepEqual(names('/clinician'), ['clinician', 'find']);
    assert.deepEqual(names('/clinician/patients/42'), ['clinician', 'chart', 'overview']);
    assert.deepEqual(names('/clinician/patients/42/encounters/7'), ['clinician', 'chart', 'encounter']);
  });
  it('merges the params of every level and tells what each level matched', () => {
    const match = matchTree(tree, '/clinician/patients/42/encounters/7?tab=notes');
    assert.deepEqual(match?.params, { id: '42', encounter: '7' });
    assert.deepEqual(match?.urls, [
      '/clinician',
      '/clinician/patients/42',
      '/clinician/patients/42/encounters/7',
    ]);
  });
  it('tries the next route when a branch has no child for the rest, and fails when none does', () => {
    assert.deepEqual(names('/clinician/patients/42/notes'), ['fallback']);
    assert.equal(names('/portal'), undefined);
    assert.equal(names('/login/more'), undefined);
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
