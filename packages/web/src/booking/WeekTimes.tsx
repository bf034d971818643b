/**
 * One week of a practitioner's free times, day by day, each time a link to the next step (book
 * it, or move an appointment to it), with the previous and next weeks a link away. Days run in
 * the reading direction (Monday on the right in Arabic); times are Morocco's, whatever the phone's.
 */
import { useTranslation } from 'react-i18next';
import { ChevronIcon, ErrorMessage, Loading } from '../design/index.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { Link } from '../router/router.tsx';
import type { FreeTime } from './api.ts';
import { NS } from './i18n/index.ts';
import { useFreeTimes } from './queries.ts';
import {
  addDays,
  byLocalDay,
  dayHeading,
  daysOf,
  formatDay,
  formatTime,
  localDate,
  localInstant,
  mondayOf,
} from './time.ts';

export function WeekTimes({
  schedule,
  monday,
  weekHref,
  timeHref,
  title,
  firstFree,
}: {
  schedule: string;
  monday: string;
  weekHref(monday: string): string;
  timeHref(time: FreeTime): string;
  title: string;
  /** The practitioner's first free time (an instant), offered from an empty week before it. */
  firstFree?: string;
}) {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const today = localDate(new Date());
  const first = monday < today ? today : monday;
  const end = addDays(monday, 7);
  // from the first day's midnight: the server starts at the first bookable minute (a stable key,
  // where "now" would change the query at every render)
  const times = useFreeTimes(schedule, localInstant(first).toISOString(), localInstant(end).toISOString());
  const days = daysOf(first, end);
  const grouped = byLocalDay(days, times.data ?? []);
  const isCurrentWeek = monday <= today;
  const whenOf = (day: string, time: FreeTime) =>
    t('card.bookAt', {
      when: t('confirm.whenValue', { day: formatDay(language, day), time: formatTime(language, time.start) }),
    });
  return (
    <section className="week-times" aria-labelledby="week-times-title">
      <h2 id="week-times-title">{title}</h2>
      <div className="week-nav">
        <p className="week-nav__label">{t('practitioner.week', { day: formatDay(language, monday) })}</p>
        <div className="cluster">
          {!isCurrentWeek && (
            <Link className="button button--secondary button--small" to={weekHref(addDays(monday, -7))}>
              <ChevronIcon direction="back" />
              {t('practitioner.previousWeek')}
            </Link>
          )}
          <Link className="button button--secondary button--small" to={weekHref(addDays(monday, 7))}>
            {t('practitioner.nextWeek')}
            <ChevronIcon direction="forward" />
          </Link>
        </div>
      </div>
      {times.isPending && <Loading />}
      {times.isError && <ErrorMessage error={times.error} retry={() => void times.refetch()} />}
      {times.data && times.data.length === 0 && (
        <div className="empty">
          <p>{t('practitioner.noTimeWeek')}</p>
          {firstFree && localDate(firstFree) >= end && (
            <Link
              className="button button--secondary button--small"
              to={weekHref(mondayOf(localDate(firstFree)))}
            >
              {t('practitioner.firstFree', {
                when: t('confirm.whenValue', {
                  day: formatDay(language, localDate(firstFree)),
                  time: formatTime(language, firstFree),
                }),
              })}
            </Link>
          )}
        </div>
      )}
      {times.data && times.data.length > 0 && (
        <ol className="days">
          {days.map((day) => {
            const list = grouped.get(day) ?? [];
            return (
              <li key={day} className={list.length === 0 ? 'day day--empty' : 'day'}>
                <h3 className="day__title">{dayHeading(language, day, today)}</h3>
                {list.length === 0 ? (
                  <p className="secondary day__none">{t('practitioner.noTimeDay')}</p>
                ) : (
                  <ul className="times">
                    {list.map((time) => (
                      <li key={time.slotId}>
                        <Link className="time" to={timeHref(time)} aria-label={whenOf(day, time)}>
                          {formatTime(language, time.start)}
                        </Link>
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
