/**
 * The hub specialist's screen: their specialty queues ordered by urgency (refreshed by the live
 * feed's Task events, and every 20 s as a fallback), a request's question, acceptance (then the
 * patient and findings), and the answer.
 */
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { request } from '../api/http.ts';
import { Button, Card, Empty, Notice, Page, SelectField, Tag, TextArea, TextField } from '../design/index.ts';
import { NS } from './i18n/index.ts';

interface Summary {
  id: string;
  status: string;
  priority: string;
  authoredOn?: string;
  due?: string;
  specialty?: string;
  question?: string;
}
interface Detail extends Summary {
  patient: { name?: { given?: string[]; family?: string }[] } | null;
  findings: {
    resourceType: string;
    code?: { coding?: { display?: string; code?: string }[] };
    valueQuantity?: { value?: number; unit?: string };
  }[];
}

export default function HubPage() {
  const { t } = useTranslation(NS);
  const [queues, setQueues] = useState<{ specialty: string; open: number }[]>([]);
  const [items, setItems] = useState<Record<string, Summary[]>>({});
  const [detail, setDetail] = useState<Detail>();
  const [notice, setNotice] = useState<string>();

  const load = useCallback(async () => {
    const q = (await request<{ queues: { specialty: string; open: number }[] }>('GET', '/api/hub/queues'))
      .body.queues;
    setQueues(q);
    const all: Record<string, Summary[]> = {};
    for (const { specialty } of q)
      all[specialty] = (
        await request<{ requests: Summary[] }>('GET', `/api/hub/queue/${specialty}`)
      ).body.requests;
    setItems(all);
  }, []);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 20_000);
    const onLive = () => void load();
    window.addEventListener('sahti-live-task', onLive);
    return () => {
      clearInterval(timer);
      window.removeEventListener('sahti-live-task', onLive);
    };
  }, [load]);

  const open = async (id: string) =>
    setDetail((await request<Detail>('GET', `/api/hub/requests/${id}`)).body);
  const accept = async () => {
    if (!detail) return;
    await request('POST', `/api/hub/requests/${detail.id}/accept`, { body: {} });
    await open(detail.id);
    await load();
  };
  const answer = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!detail) return;
    const f = new FormData(e.currentTarget);
    const kind = String(f.get('kind'));
    await request('POST', `/api/hub/requests/${detail.id}/answer`, {
      body: {
        kind,
        text: String(f.get('text')),
        ...(kind === 'referral' ? { hospital: String(f.get('hospital')) } : {}),
        ...(kind === 'video' ? { start: new Date(String(f.get('start'))).toISOString() } : {}),
      },
    });
    setNotice(t('sent'));
    setDetail(undefined);
    await load();
  };

  return (
    <Page title={t('title')} lede={t('lede')}>
      {notice && <Notice kind="success">{notice}</Notice>}
      {queues.map((q) => (
        <Card
          key={q.specialty}
          title={t('queue', { specialty: q.specialty })}
          testId={`queue-${q.specialty}`}
        >
          {(items[q.specialty] ?? []).length === 0 ? (
            <Empty>{t('empty')}</Empty>
          ) : (
            <ol>
              {(items[q.specialty] ?? []).map((r) => (
                <li key={r.id}>
                  <Tag>{t('priority', { priority: r.priority })}</Tag> {r.question} —{' '}
                  {r.due && t('due', { date: new Date(r.due).toLocaleString() })}{' '}
                  <Button type="button" variant="secondary" small onClick={() => void open(r.id)}>
                    {t('open')}
                  </Button>
                </li>
              ))}
            </ol>
          )}
        </Card>
      ))}
      {detail && (
        <Card title={detail.question ?? detail.id} testId="hub-request">
          <p>{t('status', { status: detail.status })}</p>
          {detail.patient ? (
            <>
              <p>
                {t('patient', {
                  name: [detail.patient.name?.[0]?.given?.join(' '), detail.patient.name?.[0]?.family]
                    .filter(Boolean)
                    .join(' '),
                })}
              </p>
              <h3>{t('findings')}</h3>
              <ul>
                {detail.findings.map((f) => (
                  <li key={JSON.stringify(f).slice(0, 200)}>
                    {f.code?.coding?.[0]?.display ?? f.code?.coding?.[0]?.code} {f.valueQuantity?.value}{' '}
                    {f.valueQuantity?.unit}
                  </li>
                ))}
              </ul>
              <form onSubmit={(e) => void answer(e)} aria-label={t('answer')}>
                <SelectField
                  id="kind"
                  name="kind"
                  label={t('kind')}
                  options={(['advice', 'referral', 'video'] as const).map((k) => ({
                    value: k,
                    label: t(`kinds.${k}`),
                  }))}
                />
                <TextArea id="text" name="text" label={t('text')} required />
                <TextField id="hospital" name="hospital" label={t('hospital')} />
                <TextField id="start" name="start" type="datetime-local" label={t('start')} />
                <Button>{t('send')}</Button>
              </form>
            </>
          ) : (
            <>
              <Notice kind="info">{t('hidden')}</Notice>
              <Button type="button" onClick={() => void accept()}>
                {t('accept')}
              </Button>
            </>
          )}
        </Card>
      )}
    </Page>
  );
}
