/** The patient's copy: the readable PDF and the emergency card (French, Arabic), and withdrawing printed cards. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { copyUrl, emergencyCardUrl, withdrawEmergencyLinks } from '../clinical/api.ts';
import { Button, ErrorMessage, Notice } from '../design/index.ts';
import { NS } from './i18n/index.ts';

export function RecordCopy({ patientId }: { patientId: string }) {
  const { t } = useTranslation(NS);
  const [withdrawn, setWithdrawn] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  return (
    <>
      <section data-testid="record-copy">
        <h2>{t('copy.title')}</h2>
        <p>{t('copy.lede')}</p>
        <ul className="list-plain">
          <li>
            <a href={copyUrl(patientId, 'fr')} download>
              {t('copy.fr')}
            </a>
          </li>
          <li>
            <a href={copyUrl(patientId, 'ar')} download>
              {t('copy.ar')}
            </a>
          </li>
        </ul>
      </section>
      <section data-testid="emergency-card">
        <h2>{t('copy.cardTitle')}</h2>
        <p>{t('copy.cardLede')}</p>
        <ul className="list-plain">
          <li>
            <a href={emergencyCardUrl(patientId, 'fr')} download>
              {t('copy.cardFr')}
            </a>
          </li>
          <li>
            <a href={emergencyCardUrl(patientId, 'ar')} download>
              {t('copy.cardAr')}
            </a>
          </li>
        </ul>
        {withdrawn && <Notice kind="success">{t('copy.withdrawn')}</Notice>}
        {failure !== undefined && <ErrorMessage error={failure} />}
        <Button
          type="button"
          variant="secondary"
          small
          onClick={() =>
            withdrawEmergencyLinks(patientId).then(
              () => setWithdrawn(true),
              (error: unknown) => setFailure(error),
            )
          }
        >
          {t('copy.withdraw')}
        </Button>
      </section>
    </>
  );
}
