/**
 * Accumulates the entries of the demo transaction Bundle. Each resource gets a deterministic
 * `urn:uuid:` fullUrl and a `POST <Type>` request; other entries refer to it by that fullUrl, which
 * the server rewrites to the created id when it processes the transaction.
 */
import type { Bundle, BundleEntry, Reference, Resource } from '@medplum/fhirtypes';
import type { Random } from './random.ts';
import { testDataLabel } from './terminology.ts';

export class DemoBundleBuilder {
  readonly #entries: BundleEntry[] = [];
  readonly #uuids: Random;
  readonly #seen = new Set<string>();

  /** `uuids` is a stream used only for uuids, so adding a field elsewhere does not shift them. */
  constructor(uuids: Random) {
    this.#uuids = uuids;
  }

  /** Adds a resource (labelled as test data) and returns a reference to it. */
  add<T extends Resource>(resource: T, display?: string): Reference<T> {
    let uuid = this.#uuids.uuid();
    while (this.#seen.has(uuid)) uuid = this.#uuids.uuid();
    this.#seen.add(uuid);
    const fullUrl = `urn:uuid:${uuid}`;
    // resourceType first, then meta, then the rest: reads naturally when the bundle is printed.
    const labelled = Object.assign(
      { resourceType: resource.resourceType, meta: { security: [testDataLabel()] } },
      resource,
    );
    this.#entries.push({
      fullUrl,
      resource: labelled,
      request: { method: 'POST', url: resource.resourceType },
    });
    return display ? { reference: fullUrl, display } : { reference: fullUrl };
  }

  build(): Bundle {
    return { resourceType: 'Bundle', type: 'transaction', entry: this.#entries };
  }
}
