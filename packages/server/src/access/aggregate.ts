/**
 * What aggregate-only roles (programme managers, the indicator dashboards) may ask: counts, over an
 * allow-list of dimensions that identify no one (code, category, status, sex, region, period…), and
 * never a cell smaller than K. Decided on the parsed query — never on the raw query string.
 */

import type { Bundle } from '@medplum/fhirtypes';
import type { FhirResponse, Filter, RouteMatch, SearchQuery } from '@sahti/fhir';

/** The smallest count shown: smaller cells are suppressed (k-anonymity). */
export const K_ANONYMITY = 5;

/** Search parameters an aggregate may filter by: none of them points at one person. */
export const AGGREGATE_FILTERS = new Set([
  'code',
  'category',
  'status',
  'clinical-status',
  'verification-status',
  'class',
  'type',
  'gender',
  'vaccine-code',
  'intent',
  'priority',
  'service-type',
  'service-category',
  'specialty',
  'appointment-type',
  'reason-code',
  'active',
  'date',
  'period',
  'onset-date',
  'recorded-date',
  'authoredon',
  'authored',
  'occurrence',
  'issued',
  '_lastUpdated',
  'address-state',
  'address-country',
]);

/** Why this query may not run for an aggregate role, or undefined when it may. */
export function aggregateQueryProblem(q: SearchQuery): string | undefined {
  if (q.summary !== 'count') return 'Programme managers see counts only: add _summary=count';
  if (q.include.length > 0 || q.revinclude.length > 0)
    return '_include and _revinclude return resources, not counts';
  if (q.sort.length > 0 || q.elements || q.cursor) return 'A count takes no _sort, _elements or _cursor';
  if (q.warnings.length > 0) return `Unknown parameters are not allowed in a count: ${q.warnings[0]}`;
  for (const f of q.filters) {
    const problem = filterProblem(f);
    if (problem) return problem;
  }
  return undefined;
}

function filterProblem(f: Filter): string | undefined {
  if (f.kind === 'chain') return `Counting by "${f.code}.…" could single out a person (chained parameter)`;
  if (f.kind === 'has') return 'Counting by _has could single out a person';
  if (!AGGREGATE_FILTERS.has(f.code)) return `Counting by "${f.code}" could single out a person`;
  if (f.modifier && f.modifier !== 'not' && f.modifier !== 'missing')
    return `The modifier :${f.modifier} is not allowed in a count`;
  // the allow-list holds only coarse strings (region, country); a reference always names someone
  if (f.type === 'reference') return `Counting by "${f.code}" could single out a person`;
  return undefined;
}

export function aggregateMatchProblem(match: RouteMatch): string | undefined {
  if (match.interaction === 'search' && match.search) return aggregateQueryProblem(match.search);
  if (match.interaction === 'operation' && match.operation?.name === 'aggregate') return undefined;
  return 'Programme managers see counts and aggregates only';
}

/** A count below K (but not zero) is not shown: the Bundle says it was suppressed instead. */
export function suppressSmallCount(res: FhirResponse): FhirResponse {
  const bundle = res.body as Bundle | undefined;
  if (res.status !== 200 || bundle?.resourceType !== 'Bundle' || bundle.total === undefined) return res;
  if (bundle.total === 0 || bundle.total >= K_ANONYMITY) return res;
  const { total: _hidden, ...rest } = bundle;
  return {
    ...res,
    body: {
      ...rest,
      entry: [
        {
          resource: {
            resourceType: 'OperationOutcome',
            issue: [
              {
                severity: 'information',
                code: 'suppressed',
                diagnostics: `Fewer than ${K_ANONYMITY}: the count is suppressed so that no one can be singled out`,
              },
            ],
          },
          search: { mode: 'outcome' },
        },
      ],
    } as Bundle,
  };
}
