/** One practitioner in the results: who, what, where, the fee, and the next free times up front. */
import { useTranslation } from 'react-i18next';
import { Tag } from '../design/index.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { Link } from '../router/router.tsx';
import type { PractitionerCard, Terms } from './api.ts';
import { Facts } from './Facts.tsx';
import { doctorName, formatFee, placeText, termLabel } from './find.ts';
import { NS } from './i18n/index.ts';
import { dayHeading, formatDay, formatTime, localDate } from './time.ts';

export function practitionerHref(schedule: string, from?: string): string {
  return `/find/${encodeURIComponent(schedule)}${from ? `?from=${encodeURIComponent(from)}` : ''}`;
}

export function specialtyText(
  card: PractitionerCard,
  terms: Terms | undefined,
  language: 'fr' | 'ar' | 'en',
) {
  return card.specialties
    .map((key) =>
      termLabel(
        terms?.specialties.find((s) => s.key === key),
        language,
        key,
      ),
    )
    .join(', ');
}

export function languagesText(
  card: PractitionerCard,
  terms: Terms | undefined,
  language: 'fr' | 'ar' | 'en',
) {
  return card.languages
    .map((code) =>
      termLabel(
        terms?.languages.find((l) => l.code === code),
        language,
        code,
      ),
    )
    .join(language === 'ar' ? '، ' : ', ');
}

export function ResultCard({ card, terms, from }: { card: PractitionerCard; terms?: Terms; from: string }) {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const today = localDate(new Date());
  const name = doctorName(card, language);
  const [first] = card.next;
  // the times of that first day only: a time without its day would read as the same day
  const sameDay = first ? card.next.filter((time) => localDate(time.start) === localDate(first.start)) : [];
  const when = (start: string) =>
    t('confirm.whenValue', { day: formatDay(language, localDate(start)), time: formatTime(language, start) });
  return (
    <article className="card result" aria-labelledby={`card-${card.scheduleId}`}>
      <h3 className="card__title result__title" id={`card-${card.scheduleId}`}>
        <Link to={practitionerHref(card.scheduleId, from)}>{name}</Link>
      </h3>
      <p className="result__what">
        <span>{specialtyText(card, terms, language)}</span>
        <Tag kind={card.mode === 'video' ? 'info' : 'grey'}>{t(`modes.${card.mode}`)}</Tag>
      </p>
      {first ? (
        <div className="result__next">
          <p>
            <strong>{t('card.next')}</strong>
            <br />
            {t('card.nextAt', {
              day: dayHeading(language, localDate(first.start), today),
              time: formatTime(language, first.start),
            })}
          </p>
          <ul className="times">
            {sameDay.map((time) => (
              <li key={time.slotId}>
                <Link
                  className="time"
                  to={`/book/${encodeURIComponent(time.slotId)}`}
                  aria-label={t('card.bookAt', { when: when(time.start) })}
                >
                  {formatTime(language, time.start)}
                </Link>
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p className="result__none">{t('card.noTime')}</p>
      )}
      <Facts
        rows={[
          [t('card.where'), placeText(card)],
          [t('card.languages'), languagesText(card, terms, language)],
          [t('card.fee'), formatFee(language, card.fee)],
        ]}
      />
      <p className="spaced">
        <Link to={practitionerHref(card.scheduleId, from)}>{t('card.allTimes')}</Link>
      </p>
    </article>
  );
}
