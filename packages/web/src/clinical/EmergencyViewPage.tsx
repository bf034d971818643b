/** What an emergency card's QR code opens (public): the essentials, checked by Sahti, while the link lasts. */
import { useTranslation } from 'react-i18next';
import type { PageProps } from '../app/routes.ts';
import { useDataQuery } from '../data/index.ts';
import { Card, Loading, Notice, Page, Tag } from '../design/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { emergencyView } from './api.ts';
import { NS } from './i18n/index.ts';

export default function EmergencyViewPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const view = useDataQuery({
    types: [],
    key: ['emergency', params.token],
    load: (signal) => emergencyView(params.token, signal),
  });
  if (view.isPending)
    return (
      <Page title={t('emergency.title')}>
        <Loading />
      </Page>
    );
  if (!view.data)
    return (
      <Page title={t('emergency.title')}>
        <Notice kind="warning">{t('emergency.invalid')}</Notice>
      </Page>
    );
  const s = view.data.summary;
  const name = format.language === 'ar' && s.arabicName ? s.arabicName : s.name;
  return (
    <Page
      title={t('emergency.title')}
      lede={t('emergency.verified', { date: format.date(view.data.expiresAt, { time: true }) })}
    >
      <Card title={name}>
        <p>{s.birthDate ? `${format.date(s.birthDate)} (${format.age(s.birthDate)})` : ''}</p>
        <p className="h2-like">
          {t('labelled', {
            ns: 'common',
            label: t('emergency.bloodGroup'),
            value: s.bloodGroup ?? t('emergency.unknown'),
          })}
        </p>
      </Card>
      <Card title={t('emergency.allergies')} testId="emergency-allergies">
        {s.allergies.length === 0 ? (
          <p>{t('emergency.noAllergy')}</p>
        ) : (
          <ul className="list-plain">
            {s.allergies.map((a) => (
              <li key={a.text}>
                <strong dir="auto">{a.text}</strong> {a.high && <Tag kind="warning">!</Tag>}
                {a.reaction && (
                  <span className="secondary">
                    {' '}
                    — <bdi>{a.reaction}</bdi>
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title={t('emergency.medicines')}>
        {s.medicines.length === 0 ? (
          <p>{t('emergency.noMedicine')}</p>
        ) : (
          <ul className="list-plain">
            {s.medicines.map((m) => (
              <li key={m.text} dir="auto">
                {m.text}
                {m.dosage && <span className="secondary"> — {m.dosage}</span>}
              </li>
            ))}
          </ul>
        )}
      </Card>
      {s.problems.length > 0 && (
        <Card title={t('emergency.problems')}>
          <ul className="list-plain">
            {s.problems.map((p) => (
              <li key={p.text} dir="auto">
                {p.text}
              </li>
            ))}
          </ul>
        </Card>
      )}
      {s.emergencyContact && (
        <Card title={t('emergency.contact')}>
          <p>
            <bdi>{s.emergencyContact.name}</bdi>
            {s.emergencyContact.relationship && ` (${s.emergencyContact.relationship})`}
          </p>
          {s.emergencyContact.phone && (
            <p>
              <a href={`tel:${s.emergencyContact.phone}`}>
                {t('emergency.call', { phone: s.emergencyContact.phone })}
              </a>
            </p>
          )}
        </Card>
      )}
    </Page>
  );
}
