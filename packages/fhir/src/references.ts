/** Reading FHIR reference strings: relative, absolute, versioned, or not a resource at all. */
const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const ABSOLUTE =
  /^https?:\/\/.+\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

export interface ParsedReference {
  type?: string;
  id?: string;
  /** Set for absolute URLs, urn:uuid / urn:oid and canonical references. */
  url?: string;
}

export function parseReferenceString(reference: string): ParsedReference {
  const relative = RELATIVE.exec(reference);
  if (relative) return { type: relative[1], id: relative[2] };
  const absolute = ABSOLUTE.exec(reference);
  if (absolute) return { type: absolute[1], id: absolute[2], url: reference };
  return { url: reference };
}

export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
