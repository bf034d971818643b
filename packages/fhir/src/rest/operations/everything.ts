/** `Patient/$everything` (GET or POST): the patient's compartment and what it references, paged. */
import type { Resource } from '@medplum/fhirtypes';
import { patientEverything } from '../../everything.ts';
import { fail, notFound } from '../../outcome.ts';
import { MAX_COUNT } from '../../search/parse.ts';
import { pageSize } from '../interactions.ts';
import { ok, param, referencesOf } from '../responses.ts';
import { StoredJson } from '../stored-json.ts';
import type { FhirOperation } from '../types.ts';

export const everythingOperation: FhirOperation = {
  name: 'everything',
  levels: ['instance'],
  resourceTypes: ['Patient'],
  methods: ['GET', 'POST'],
  effect: 'read',
  async run(ctx) {
    const id = ctx.match.id as string;
    const reader = ctx.store.reader; // the same database for the check and the page
    const found = await ctx.store.locate('Patient', id, undefined, reader);
    if (!found?.visible) notFound(`Patient/${id} does not exist`);
    if (found!.deleted) fail(410, 'deleted', `Patient/${id} has been deleted`);
    const query = ctx.request.query;
    const count = pageSize(query, MAX_COUNT);
    const page = await patientEverything(reader, id, {
      count,
      cursor: param(query, '_cursor'),
      since: param(query, '_since'),
      scope: ctx.store.access.scope,
    });
    const self = `${ctx.baseUrl}/Patient/${id}/$everything`;
    const link = [{ relation: 'self', url: self }];
    if (page.nextCursor) {
      const next = new URLSearchParams([
        ['_count', String(count)],
        ['_cursor', page.nextCursor],
      ]);
      link.push({ relation: 'next', url: `${self}?${next}` });
    }
    return ok(
      {
        resourceType: 'Bundle',
        type: 'searchset',
        ...(page.nextCursor || param(query, '_cursor') ? {} : { total: page.stored.length }),
        link,
        // for the HTTP answer, each resource as the text stored (rest/stored-json.ts)
        entry: page.stored.map((m, i) => ({
          fullUrl: `${ctx.baseUrl}/${m.resourceType}/${m.id}`,
          resource: ctx.request.textBodies
            ? (new StoredJson(m.text) as unknown as Resource)
            : page.resources[i],
          search: { mode: 'match' as const },
        })),
      },
      [
        {
          interaction: 'operation',
          operation: 'everything',
          resourceType: 'Patient',
          ids: referencesOf(page.stored),
          patients: [id],
          status: 200,
        },
      ],
    );
  },
};
