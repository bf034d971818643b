/**
 * A practitioner's page (public): who they are, where, what it costs, and their free times week
 * by week — picking one goes to the confirmation (signing in first if need be). When nothing
 * suits, the waiting list.
 */
import { useTranslation } from 'react-i18next';
import type { PageProps } from '../app/routes.ts';
import { ButtonLink, ErrorMessage, Loading, Page } from '../design/index.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { safeNext } from '../router/match.ts';
import { useLocation } from '../router/router.tsx';
import { Facts } from './Facts.tsx';
import { doctorName, formatFee, placeText } from './find.ts';
import { NS } from './i18n/index.ts';
import { useScheduleCard, useTerms } from './queries.ts';
import { languagesText, practitionerHref, specialtyText } from './ResultCard.tsx';
import { localDate, weekToShow } from './time.ts';
import { WeekTimes } from './WeekTimes.tsx';
import './booking.css';

export default function PractitionerPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const { search } = useLocation();
  const schedule = params.schedule;
  const card = useScheduleCard(schedule);
  const terms = useTerms();
  const from = search.get('from') ?? undefined;
  const back = { to: safeNext(from, '/find'), label: t('practitioner.back') };
  if (!card.data) {
    return (
      <Page title={t('find.title')} back={back}>
        {card.isError ? <ErrorMessage error={card.error} retry={() => void card.refetch()} /> : <Loading />}
      </Page>
    );
  }
  const c = card.data;
  const firstFree = c.next[0]?.start;
  const monday = weekToShow(search.get('week'), localDate(new Date()), firstFree && localDate(firstFree));
  const weekHref = (week: string) =>
    `${practitionerHref(schedule)}?week=${week}${from ? `&from=${encodeURIComponent(from)}` : ''}`;
  return (
    <Page title={doctorName(c, language)} back={back} lede={specialtyText(c, terms.data, language)}>
      <Facts
        rows={[
          [t('find.mode'), t(`modes.${c.mode}`)],
          [t('card.where'), c.mode === 'in-person' ? placeText(c) : undefined],
          [t('card.languages'), languagesText(c, terms.data, language)],
          [t('confirm.fee'), formatFee(language, c.fee)],
        ]}
      />
      {c.mode === 'video' && <p>{t('practitioner.videoNote')}</p>}
      <WeekTimes
        schedule={schedule}
        monday={monday}
        title={t('practitioner.chooseTime')}
        weekHref={weekHref}
        firstFree={firstFree}
        timeHref={(time) => `/book/${encodeURIComponent(time.slotId)}`}
      />
      <section className="card" aria-labelledby="waitlist-title">
        <h2 id="waitlist-title" className="card__title">
          {t('practitioner.waitlistTitle')}
        </h2>
        <p>{t('practitioner.waitlistBody')}</p>
        <ButtonLink to={`${practitionerHref(schedule)}/waitlist`} variant="secondary">
          {t('practitioner.waitlistAction')}
        </ButtonLink>
      </section>
    </Page>
  );
}
