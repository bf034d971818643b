/**
 * The field app: a whole day with no network. Everything is read from and written to the local
 * store (db.ts); "Synchronise" sends the day as one transaction when the network is back; conflicts
 * and deferred records are listed for review; the hub's answers are kept on the device.
 */
import type { Element } from '@medplum/fhirtypes';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../../auth/session.tsx';
import { Button, Card, Notice, Page, SelectField, TextArea, TextField } from '../../design/index.ts';
import { useOnline } from '../../design/useOnline.ts';
import { translatedText } from '../../fhir/display.ts';
import { useFormat } from '../../i18n/useFormat.ts';
import { fieldDay, hubAnswers, myUnits, type UnitSummary } from '../api.ts';
import { NS } from '../i18n/index.ts';
import { unitName } from '../unit-name.ts';
import { ClinicalForms } from './ClinicalForms.tsx';
import {
  type DayEncounters,
  fieldDb,
  getMeta,
  type HubAnswer,
  type LocalPatient,
  type ReviewItem,
  setMeta,
} from './db.ts';
import { namesMatch } from './name-match.ts';
import { type Entry, registration, teleExpertiseRequest, visit } from './records.ts';
import { syncNow } from './sync-client.ts';

const SPECIALTIES = [
  'gyneco-obstetrics',
  'pediatrics',
  'endocrinology',
  'dermatology',
  'ent',
  'cardiology',
  'pulmonology',
];
const uuid = () => crypto.randomUUID();

function nameOf(p: Record<string, unknown>): string {
  const n = (p.name as { family?: string; given?: string[] }[] | undefined)?.[0];
  return [n?.given?.join(' '), n?.family].filter(Boolean).join(' ');
}

async function queue(entries: Entry[]): Promise<void> {
  const now = new Date().toISOString();
  await fieldDb.outbox.bulkAdd(entries.map((entry) => ({ key: entry.fullUrl, entry, createdAt: now })));
}

export default function FieldPage() {
  const { t, i18n } = useTranslation(NS);
  const format = useFormat();
  const { user } = useSession();
  const online = useOnline();
  const [units, setUnits] = useState<UnitSummary[]>([]);
  const [unit, setUnit] = useState<string>('');
  const [patients, setPatients] = useState<LocalPatient[]>([]);
  const [pending, setPending] = useState(0);
  const [review, setReview] = useState<ReviewItem[]>([]);
  const [answers, setAnswers] = useState<HubAnswer[]>([]);
  const [status, setStatus] = useState<{ kind: 'info' | 'success' | 'warning'; text: string } | undefined>();
  const [prepared, setPrepared] = useState<
    | {
        date: string;
        count: number;
        stop?: string;
        stopNames?: Element;
        next?: { date: string; stop?: string; stopNames?: Element };
      }
    | undefined
  >();
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const reload = useCallback(async () => {
    setPatients(await fieldDb.patients.toArray());
    setPending(await fieldDb.outbox.count());
    setReview(await fieldDb.review.toArray());
    setAnswers(await fieldDb.answers.toArray());
    setPrepared(await getMeta('prepared'));
    const stored = await getMeta<string>('unit');
    // the unit the member picked while the local store was opening is theirs: never reset it
    setUnit((picked) => picked || stored || '');
  }, []);
  useEffect(() => {
    void reload();
    myUnits().then(setUnits, () => undefined);
  }, [reload]);

  const prepare = async () => {
    setBusy(true);
    try {
      const day = await fieldDay(unit);
      const tables = [fieldDb.patients, fieldDb.devices, fieldDb.facilities, fieldDb.medicines, fieldDb.meta];
      await fieldDb.transaction('rw', tables, async () => {
        const keep = await fieldDb.patients.filter((p) => p.pending).toArray();
        await fieldDb.patients.clear();
        await fieldDb.patients.bulkPut([
          ...keep,
          ...day.patients.map((p) => ({
            ref: `Patient/${p.id}`,
            name: nameOf(p),
            birthDate: p.birthDate as string,
            gender: p.gender as string,
            pending: false,
            version: (p.meta as { versionId?: string } | undefined)?.versionId,
            resource: p,
          })),
        ]);
        await fieldDb.devices.clear();
        await fieldDb.devices.bulkPut(day.devices);
        await fieldDb.facilities.clear();
        await fieldDb.facilities.bulkPut(day.facilities ?? []);
        await fieldDb.medicines.clear();
        await fieldDb.medicines.bulkPut(day.medicines ?? []);
        await setMeta('unit', unit);
        await setMeta('prepared', {
          date: new Date().toISOString(),
          count: day.patients.length,
          stop: day.stop?.display,
          stopNames: day.stop?._display,
          stopRef: day.stop?.reference,
          next: day.next
            ? { date: day.next.date, stop: day.next.stop?.display, stopNames: day.next.stop?._display }
            : undefined,
        });
      });
      await reload();
    } catch {
      setStatus({ kind: 'warning', text: t('field.syncFailed') });
    } finally {
      setBusy(false);
    }
  };

  const sync = async () => {
    setBusy(true);
    setStatus({ kind: 'info', text: t('field.syncing') });
    try {
      const counts = await syncNow();
      setStatus({
        kind: counts.conflict || counts.deferred || counts.unsigned ? 'warning' : 'success',
        text: [
          t('field.syncDone', { ...counts }),
          ...(counts.unsigned ? [t('field.rxUnsigned', { count: counts.unsigned })] : []),
        ].join(' '),
      });
      const since = await getMeta<string>('answersSince');
      const got = await hubAnswers(unit, since);
      await fieldDb.answers.bulkPut(
        got.answers.map((a) => {
          const out = a.outputs.find((o) => o.resourceType === 'Communication') as
            | { payload?: { contentString?: string }[]; sent?: string }
            | undefined;
          return {
            task: a.task.id,
            patient: a.task.for?.reference,
            status: a.task.status,
            text: out?.payload?.[0]?.contentString,
            at: out?.sent,
          };
        }),
      );
      await setMeta('answersSince', got.now);
    } catch {
      setStatus({ kind: 'warning', text: t('field.syncFailed') });
    } finally {
      setBusy(false);
      await reload();
    }
  };

  const register = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget; // React clears currentTarget once the handler awaits
    const f = new FormData(form);
    const s = (k: string) => String(f.get(k) ?? '').trim();
    if (!s('family') || !s('given') || !s('birthDate')) return;
    const parent = s('parent');
    const parentPatient = patients.find((p) => p.ref === parent);
    const entries = registration(
      unit,
      {
        family: s('family'),
        given: s('given'),
        birthDate: s('birthDate'),
        gender: s('gender') === 'male' ? 'male' : 'female',
        ...(s('cnie') ? { cnie: s('cnie') } : {}),
        ...(s('phone') ? { phone: s('phone') } : {}),
        ...(parentPatient
          ? {
              parent: {
                reference: parentPatient.ref,
                name: parentPatient.name,
                relationship: 'MTH' as const,
              },
            }
          : {}),
      },
      uuid,
    );
    await queue(entries);
    await fieldDb.patients.put({
      ref: entries[0].fullUrl,
      name: `${s('given')} ${s('family')}`,
      birthDate: s('birthDate'),
      cnie: s('cnie') || undefined,
      pending: true,
      // kept so that, once synchronised, the record can be edited against the version the server gave
      resource: entries[0].resource,
    });
    form.reset();
    await reload();
  };

  const current = patients.find((p) => p.ref === selected);
  const devices = async () =>
    Object.fromEntries((await fieldDb.devices.toArray()).map((d) => [d.kind, d.id]));

  const saveVisit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!current) return;
    const form = e.currentTarget; // React clears currentTarget once the handler awaits
    const f = new FormData(form);
    const n = (k: string) => (f.get(k) ? Number(f.get(k)) : undefined);
    const d = await devices();
    const stop = (await getMeta<{ stopRef?: string }>('prepared'))?.stopRef;
    const at = new Date().toISOString();
    const entries = visit(
      unit,
      current.ref,
      user?.fhirUser,
      {
        systolic: n('systolic'),
        diastolic: n('diastolic'),
        temperature: n('temperature'),
        spo2: n('spo2'),
        weight: n('weight'),
        glucose: n('glucose'),
        devices: {
          bp: d['bp-monitor'],
          temperature: d.thermometer,
          spo2: d['pulse-oximeter'],
          weight: d.scale,
          glucose: d.glucometer,
        },
      },
      at,
      uuid,
      stop,
    );
    await queue(entries);
    // the ECG, photos, prescription and referral of this consultation link to it
    const encounters = (await getMeta<DayEncounters>('encounters')) ?? {};
    await setMeta('encounters', {
      ...encounters,
      [current.ref]: { encounter: entries[0].fullUrl, day: at.slice(0, 10) },
    });
    form.reset();
    setStatus({ kind: 'success', text: t('field.visitSaved') });
    await reload();
  };

  const askHub = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!current || !user?.fhirUser) return;
    const form = e.currentTarget; // React clears currentTarget once the handler awaits
    const f = new FormData(form);
    const question = String(f.get('question') ?? '').trim();
    if (question.length < 5) return;
    await queue(
      teleExpertiseRequest(
        unit,
        current.ref,
        user.fhirUser,
        { specialty: String(f.get('specialty')), priority: String(f.get('priority')) as 'routine', question },
        new Date().toISOString(),
        uuid,
      ),
    );
    form.reset();
    setStatus({ kind: 'success', text: t('field.requestSaved') });
    await reload();
  };

  /** An edit of a record the device read: sent with the version it read (a conflict if it changed since). */
  const editPhone = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!current?.resource || current.pending || !current.version) return;
    const form = e.currentTarget; // React clears currentTarget once the handler awaits
    const phone = String(new FormData(form).get('newPhone') ?? '').trim();
    if (!phone) return;
    const resource = { ...current.resource, telecom: [{ system: 'sms', value: phone }] };
    await fieldDb.outbox.add({
      key: current.ref,
      entry: { resource, request: { method: 'PUT', url: current.ref, ifMatch: `W/"${current.version}"` } },
      createdAt: new Date().toISOString(),
    });
    await fieldDb.patients.put({ ...current, resource });
    form.reset();
    await reload();
  };

  const found = patients.filter(
    (p) => namesMatch(query, p.name) || (p.cnie ?? '').startsWith(query.toUpperCase()),
  );

  return (
    <Page title={t('field.title')}>
      {!online && <Notice kind="warning">{t('field.offline')}</Notice>}
      {status && <Notice kind={status.kind}>{status.text}</Notice>}
      <Card title={t('field.unit')}>
        <SelectField
          id="unit"
          label={t('field.chooseUnit')}
          value={unit}
          onChange={(e) => setUnit(e.target.value)}
          options={[
            { value: '', label: '—' },
            ...units.map((u) => ({ value: u.id, label: unitName(u, i18n.language) })),
          ]}
        />
        <Button
          type="button"
          variant="secondary"
          disabled={!unit || !online || busy}
          onClick={() => void prepare()}
        >
          {t('field.prepare')}
        </Button>
        {prepared && (
          <p>
            {t('field.prepared', { date: format.date(prepared.date, { time: true }), count: prepared.count })}
          </p>
        )}
        {prepared && (
          <p>
            {prepared.stop
              ? t('field.stopToday', {
                  name: translatedText(prepared.stop, prepared.stopNames, i18n.language),
                })
              : t('field.noStop')}
          </p>
        )}
        {prepared && !prepared.stop && prepared.next?.stop && (
          <p>
            {t('field.nextStop', {
              day: format.date(prepared.next.date),
              name: translatedText(prepared.next.stop, prepared.next.stopNames, i18n.language),
            })}
          </p>
        )}
        <p data-testid="pending">{t('field.pending', { count: pending })}</p>
        <Button type="button" disabled={!online || busy || !unit} onClick={() => void sync()}>
          {busy ? t('field.syncing') : t('field.sync')}
        </Button>
      </Card>

      <Card title={t('field.register')}>
        <form onSubmit={(e) => void register(e)} aria-label={t('field.register')}>
          <TextField id="family" name="family" label={t('field.family')} required />
          <TextField id="given" name="given" label={t('field.given')} required />
          <TextField id="birthDate" name="birthDate" type="date" label={t('field.birthDate')} required />
          <SelectField
            id="gender"
            name="gender"
            label={t('field.gender')}
            options={[
              { value: 'female', label: t('field.female') },
              { value: 'male', label: t('field.male') },
            ]}
          />
          <TextField id="cnie" name="cnie" label={t('field.cnie')} />
          <TextField id="phone" name="phone" type="tel" label={t('field.phone')} />
          <SelectField
            id="parent"
            name="parent"
            label={t('field.parent')}
            options={[
              { value: '', label: t('field.none') },
              ...patients.map((p) => ({ value: p.ref, label: p.name })),
            ]}
          />
          <Button>{t('field.add')}</Button>
        </form>
      </Card>

      <Card title={t('field.patients')}>
        <TextField
          id="find"
          label={t('field.find')}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <ul className="field-patients" data-testid="field-patients">
          {found.map((p) => (
            <li key={p.ref}>
              <button type="button" className="link-button" onClick={() => setSelected(p.ref)}>
                {p.name}
              </button>{' '}
              {p.birthDate} {p.pending ? `(${t('field.notSynced')})` : ''}
            </li>
          ))}
        </ul>
      </Card>

      {current && (
        <Card title={t('field.visit', { name: current.name })}>
          <form onSubmit={(e) => void saveVisit(e)} aria-label={t('field.saveVisit')}>
            {(['systolic', 'diastolic', 'temperature', 'spo2', 'weight', 'glucose'] as const).map((k) => (
              <TextField key={k} id={k} name={k} label={t(`field.${k}`)} inputMode="decimal" short />
            ))}
            <Button>{t('field.saveVisit')}</Button>
          </form>
          {!current.pending && current.resource && (
            <form onSubmit={(e) => void editPhone(e)} aria-label={t('field.editPhone')}>
              <TextField id="newPhone" name="newPhone" type="tel" label={t('field.phone')} />
              <Button variant="secondary">{t('field.editPhone')}</Button>
            </form>
          )}
          <ClinicalForms
            key={current.ref}
            unit={unit}
            patient={current}
            user={user}
            queue={queue}
            saved={async (text) => {
              setStatus({ kind: 'success', text });
              await reload();
            }}
          />
          <h3>{t('field.expertise')}</h3>
          <form onSubmit={(e) => void askHub(e)} aria-label={t('field.expertise')}>
            <SelectField
              id="specialty"
              name="specialty"
              label={t('field.specialty')}
              options={SPECIALTIES.map((s) => ({ value: s, label: t(`field.specialties.${s}`) }))}
            />
            <SelectField
              id="priority"
              name="priority"
              label={t('field.priority')}
              options={['routine', 'urgent', 'asap', 'stat'].map((p) => ({
                value: p,
                label: t(`field.priorities.${p}`),
              }))}
            />
            <TextArea id="question" name="question" label={t('field.question')} required />
            <Button>{t('field.send')}</Button>
          </form>
        </Card>
      )}

      {review.length > 0 && (
        <Card title={t('field.review')}>
          <ul data-testid="field-review">
            {review.map((r) => (
              <li key={r.key}>
                {r.status === 'conflict'
                  ? t('field.conflict', { yours: r.yourVersion, current: r.currentVersion })
                  : t('field.deferred', { reason: r.reason })}{' '}
                {r.status === 'conflict' && (
                  <Button
                    type="button"
                    variant="secondary"
                    small
                    onClick={() => void fieldDb.review.delete(r.key).then(reload)}
                  >
                    {t('field.discard')}
                  </Button>
                )}
              </li>
            ))}
          </ul>
        </Card>
      )}

      <Card title={t('field.answers')}>
        {answers.length === 0 ? (
          <p>{t('field.noAnswers')}</p>
        ) : (
          <ul data-testid="field-answers">
            {answers.map((a) => (
              <li key={a.task}>
                <strong>
                  {t('field.answer', {
                    // the Task's status code, in the reader's words (it once showed "(completed)")
                    status: t(`field.statuses.${a.status}`, { defaultValue: a.status }),
                  })}
                </strong>{' '}
                {patients.find((p) => p.ref === a.patient)?.name} — {a.text}
              </li>
            ))}
          </ul>
        )}
      </Card>
    </Page>
  );
}
