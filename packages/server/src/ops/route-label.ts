/**
 * The `route` label of HTTP metrics: the route's pattern, never the URL. Fastify gives the pattern
 * of most routes (`/api/admin/jobs/:id/retry`); the FHIR API is one wildcard route, so its path is
 * reduced to a shape (`/fhir/R4/Patient/{id}/_history/{vid}`) where only closed sets survive: R4
 * resource types, the words of the FHIR REST grammar, and the names of registered operations.
 * Ids, versions and query strings never become label values, so neither personal data nor an
 * unbounded number of series can come in through a URL.
 */
import { isResourceType } from '@sahti/fhir';

export const UNMATCHED_ROUTE = '(unmatched)';

export class RouteLabels {
  readonly fhirBase: string;
  /** The engine has an operation of this name (without `$`). */
  readonly isOperation: (name: string) => boolean;

  constructor(fhirBase: string, isOperation: (name: string) => boolean) {
    this.fhirBase = fhirBase;
    this.isOperation = isOperation;
  }

  /** `pattern` is Fastify's `routeOptions.url` (undefined when no route matched). */
  label(pattern: string | undefined, rawUrl: string): string {
    if (pattern === undefined) return UNMATCHED_ROUTE;
    if (pattern !== this.fhirBase && pattern !== `${this.fhirBase}/*`) return pattern;
    const query = rawUrl.indexOf('?');
    const path = (query >= 0 ? rawUrl.slice(0, query) : rawUrl).slice(this.fhirBase.length);
    return this.fhirBase + this.fhirShape(path.split('/').filter(Boolean));
  }

  fhirShape(segments: string[]): string {
    const [first, second, third, fourth] = segments;
    if (first === undefined) return '';
    let shape: string;
    if (first === 'metadata' || first === '_history' || first === '_search') shape = `/${first}`;
    else if (first.startsWith('$')) shape = `/${this.operation(first)}`;
    else shape = `/${isResourceType(first) ? first : '{type}'}`;
    if (second === undefined) return shape;
    if (second === '_search' || second === '_history') shape += `/${second}`;
    else if (second.startsWith('$')) shape += `/${this.operation(second)}`;
    else shape += '/{id}';
    if (third === undefined) return shape;
    if (third === '_history') shape += '/_history';
    else if (third.startsWith('$')) shape += `/${this.operation(third)}`;
    else shape += `/${isResourceType(third) ? third : '{type}'}`; // compartment search
    if (fourth === undefined) return shape;
    shape += third === '_history' ? '/{vid}' : '/{id}';
    return segments.length > 4 ? `${shape}/…` : shape;
  }

  operation(segment: string): string {
    return this.isOperation(segment.slice(1)) ? segment : '$operation';
  }
}
