/**
 * Law 09-08 on reads from abroad. Once a stay at a centre abroad is accepted, the centre's staff
 * read the patient's record as any centre in care does — `/fhir/R4` reads and searches,
 * `$everything`, `$summary`, the summary sent ahead, the stay's screens. Each of those reads sends
 * health data out of Morocco: this watches the audit trail and, for every successful read by a
 * member of a centre abroad (an active PractitionerRole there) of a patient who has a stay at that
 * centre, adds an AuditEvent flagged "cross-border transfer (law 09-08)" and a row of the
 * `dial_transfer` register (event `record-<interaction>`), naming the stay and its Consent.
 *
 * Cost on the read path: one look at a set of centres abroad refreshed every few seconds; only a
 * member of such a centre costs more (their organisations, cached by the access layer, and one
 * query after the response).
 */
import type { AuditInput } from '../../audit/index.ts';
import type { DialysisDeps } from './deps.ts';

/** What reads the record (writes by a centre abroad stay in Morocco: the record is here). */
const READS = new Set(['read', 'vread', 'search', 'history', 'export', 'operation']);
export const CROSS_BORDER = 'cross-border transfer (law 09-08)';
const REFRESH_MS = 5_000;

interface AbroadCentre {
  name: string;
  country: string;
}

interface StayAbroad {
  id: string;
  patient_id: string;
  organization: string;
  consent_id: string | null;
}

export function watchCrossBorderReads(deps: DialysisDeps): () => void {
  let centres = new Map<string, AbroadCentre>();
  let loadedAt = 0;
  let loading: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    loading ??= deps.ctx.db
      .query<{ organization: string; name: string; country: string }>(
        `SELECT DISTINCT ON (organization) organization, name, country FROM dial_centre
          WHERE country <> 'MA' ORDER BY organization, name`,
      )
      .then((rows) => {
        centres = new Map(rows.rows.map((r) => [r.organization, { name: r.name, country: r.country }]));
        loadedAt = Date.now();
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };

  const flag = async (input: AuditInput, practitioner: string): Promise<void> => {
    if (Date.now() - loadedAt > REFRESH_MS) await refresh();
    if (centres.size === 0) return;
    const { actors } = await deps.ctx.access.careViews.get(deps.ctx.db, practitioner);
    const abroad = actors.filter((a) => centres.has(a));
    if (abroad.length === 0) return;
    const patients = [...new Set(input.patientIds.map((p) => p.replace(/^Patient\//, '')))];
    const stays = await deps.ctx.db.query<StayAbroad>(
      `SELECT DISTINCT ON (patient_id, organization) id, patient_id, organization, consent_id
         FROM dial_stay
        WHERE abroad AND patient_id = ANY($1::text[]) AND organization = ANY($2::text[])
          AND state NOT IN ('draft', 'declined')
        ORDER BY patient_id, organization, created_at DESC`,
      [patients, abroad],
    );
    for (const stay of stays.rows) {
      const centre = centres.get(stay.organization) as AbroadCentre;
      await deps.ctx.db.query(
        `INSERT INTO dial_transfer (id, stay_id, patient_id, organization, country, abroad, consent_id, recipient, event)
         VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, true, $6::text, $7::text, $8::text)`,
        [
          crypto.randomUUID(),
          stay.id,
          stay.patient_id,
          stay.organization,
          centre.country,
          stay.consent_id,
          practitioner,
          `record-${input.interaction}`,
        ],
      );
      deps.ctx.audit.record({
        principal: input.principal,
        interaction: 'export',
        ...(input.resourceType ? { resourceType: input.resourceType } : {}),
        ...(input.ids ? { ids: input.ids } : {}),
        ...(input.query !== undefined ? { query: input.query } : {}),
        patientIds: [stay.patient_id],
        outcome: input.outcome,
        outcomeDesc: `${CROSS_BORDER}: ${input.interaction} of ${input.resourceType ?? 'the record'} from ${centre.name}, ${centre.country}, stay ServiceRequest/${stay.id}${stay.consent_id ? `, consent Consent/${stay.consent_id}` : ''}`,
      });
    }
  };

  return deps.ctx.audit.observe((input) => {
    const practitioner = input.principal.fhirUser;
    if (
      input.principal.kind !== 'staff' ||
      !practitioner?.startsWith('Practitioner/') ||
      !READS.has(input.interaction) ||
      input.outcome >= 400 ||
      input.patientIds.length === 0 ||
      input.outcomeDesc?.startsWith(CROSS_BORDER) ||
      (loadedAt > 0 && centres.size === 0 && Date.now() - loadedAt <= REFRESH_MS)
    )
      return;
    flag(input, practitioner).catch((error: Error) =>
      deps.ctx.log.error(`dialysis: a cross-border read could not be registered: ${error.message}`),
    );
  });
}
