/**
 * The patient's waiting lists: for whom and until when, and — when a time was freed and is held
 * for them — that time and until when it is held, with the button that books it.
 */
import { useTranslation } from 'react-i18next';
import { useDataMutation } from '../data/index.ts';
import { Button, ErrorMessage, LinkButton } from '../design/index.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { navigate } from '../router/router.tsx';
import { book, leaveWaitlist, type WaitlistEntry } from './api.ts';
import { openEntries, refusalOf } from './appointments.ts';
import { doctorName } from './find.ts';
import { NS } from './i18n/index.ts';
import { useScheduleCard, useWaitlist } from './queries.ts';
import { formatDay, formatTime, localDate } from './time.ts';

export function WaitlistSection({ onLeft }: { onLeft(): void }) {
  const { t } = useTranslation(NS);
  const entries = useWaitlist();
  const open = openEntries(entries.data ?? [], new Date());
  if (entries.isError) return <ErrorMessage error={entries.error} retry={() => void entries.refetch()} />;
  if (open.length === 0) return null;
  return (
    <section aria-labelledby="waitlist-title" data-testid="waitlist">
      <h2 id="waitlist-title">{t('waitlist.title')}</h2>
      <ul className="list-plain">
        {open.map((entry) => (
          <WaitlistItem key={entry.id} entry={entry} onLeft={onLeft} />
        ))}
      </ul>
    </section>
  );
}

function WaitlistItem({ entry, onLeft }: { entry: WaitlistEntry & { held: boolean }; onLeft(): void }) {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const card = useScheduleCard(entry.schedule_id);
  const name = card.data ? doctorName(card.data, language) : '…';
  const changes = () => [{ resourceType: 'Appointment' }, { resourceType: 'Slot' }];
  const take = useDataMutation({
    write: (slot: string) => book(slot),
    changes,
    done: (appointment) => navigate(`/book/done/${appointment.id}`),
  });
  const leave = useDataMutation({ write: (id: string) => leaveWaitlist(id), changes, done: onLeft });
  const refusal = refusalOf(take.error);
  return (
    <li>
      {entry.held && entry.offered_slot && entry.offered_start && entry.offered_until ? (
        <div className="notice notice--success">
          <p>
            <strong>
              {t('waitlist.held', {
                name,
                time: formatTime(language, entry.offered_until),
                when: t('confirm.whenValue', {
                  day: formatDay(language, localDate(entry.offered_start)),
                  time: formatTime(language, entry.offered_start),
                }),
              })}
            </strong>
          </p>
          {take.isError &&
            (refusal ? (
              <p className="field__error" role="alert">
                {t(`refusal.${refusal}`)}
              </p>
            ) : (
              <ErrorMessage error={take.error} />
            ))}
          <Button
            type="button"
            disabled={take.isPending}
            onClick={() => take.mutate(entry.offered_slot as string)}
          >
            {t('waitlist.confirmHeld')}
          </Button>
        </div>
      ) : (
        <p>{t('waitlist.entry', { name, day: formatDay(language, localDate(entry.latest)) })}</p>
      )}
      {leave.isError && <ErrorMessage error={leave.error} />}
      <LinkButton disabled={leave.isPending} onClick={() => leave.mutate(entry.id)}>
        {t('waitlist.leave')}
      </LinkButton>
    </li>
  );
}
