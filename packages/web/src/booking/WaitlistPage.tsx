/** Join a practitioner's waiting list: one question — until which day could you come? */
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';
import type { PageProps } from '../app/routes.ts';
import { useDataMutation } from '../data/index.ts';
import { Button, ErrorMessage, ErrorSummary, Page, TextField } from '../design/index.ts';
import { useForm } from '../forms/index.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { navigate } from '../router/router.tsx';
import { joinWaitlist } from './api.ts';
import { doctorName } from './find.ts';
import { NS } from './i18n/index.ts';
import { useScheduleCard } from './queries.ts';
import { practitionerHref } from './ResultCard.tsx';
import { addDays, formatDay, localDate } from './time.ts';
import { waitlistPeriod, waitlistProblems } from './waitlist.ts';

export default function WaitlistPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const card = useScheduleCard(params.schedule);
  const today = localDate(new Date());
  const example = formatDay(language, addDays(today, 14), true);
  const join = useDataMutation({
    write: (latest: string) => {
      const period = waitlistPeriod(latest, new Date());
      return joinWaitlist(params.schedule, period.earliest, period.latest);
    },
    changes: () => [{ resourceType: 'Slot' }],
  });
  const form = useForm({
    initial: { latest: addDays(today, 14) },
    validate: (values) => waitlistProblems(values, today),
    message: (problem) => t(`waitlist.${problem.key}`, { example }),
    serverPaths: { latest: ['latest'] },
    refusedKey: { latest: 'latestTooFar' },
    submit: async (values) => {
      await join.mutateAsync(values.latest);
      navigate('/portal/appointments?waiting=1');
    },
  });
  const tooMany = form.failure instanceof ApiError && form.failure.code === 'business-rule';
  return (
    <Page
      title={t('waitlist.joinTitle')}
      back={{ to: practitionerHref(params.schedule) }}
      lede={card.data ? t('waitlist.joinLede', { name: doctorName(card.data, language) }) : undefined}
    >
      <ErrorSummary errors={form.errors} focusKey={form.focusKey} />
      {tooMany ? (
        <p className="notice notice--warning" role="alert">
          {t('waitlist.tooMany')}
        </p>
      ) : (
        form.failure !== undefined && <ErrorMessage error={form.failure} />
      )}
      <form onSubmit={form.onSubmit} noValidate>
        <TextField
          type="date"
          label={t('waitlist.latest')}
          hint={t('waitlist.latestHint', { example })}
          {...form.text('latest')}
          min={addDays(today, 1)}
          short
        />
        <Button disabled={form.submitting}>{t('waitlist.submit')}</Button>
      </form>
    </Page>
  );
}
