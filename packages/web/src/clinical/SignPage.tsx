/** Sign and close a visit left open: its note (written now or earlier) becomes final under the clinician's name. */
import type { Composition } from '@medplum/fhirtypes';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PageProps } from '../app/routes.ts';
import { ANY, useDataMutation, useSearchResources } from '../data/index.ts';
import { Button, ErrorMessage, ErrorSummary, Loading, TextArea } from '../design/index.ts';
import { navigate } from '../router/router.tsx';
import { signVisit } from './api.ts';
import { NS } from './i18n/index.ts';
import { noteText } from './note-text.ts';

export default function SignPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const notes = useSearchResources('Composition', { encounter: `Encounter/${params.encounter}`, _count: 5 });
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string>();
  const sign = useDataMutation({
    write: () => signVisit(params.encounter, note),
    changes: () => [{ resourceType: ANY }],
  });
  const existing = notes.data?.[0] as Composition | undefined;
  useEffect(() => {
    if (existing) setNote(noteText(existing));
  }, [existing]);
  if (notes.isPending) return <Loading />;
  return (
    <>
      <h2>{t('visit.sign')}</h2>
      <ErrorSummary errors={problem ? [{ field: 'note', message: problem }] : []} />
      {sign.isError && <ErrorMessage error={sign.error} />}
      <form
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          if (!note.trim()) {
            setProblem(t('errors.noteToSign'));
            return;
          }
          setProblem(undefined);
          await sign.mutateAsync(undefined);
          navigate(`/clinician/patients/${params.id}?visit=signed`);
        }}
      >
        <TextArea
          id="note"
          label={t('visit.note')}
          hint={t('visit.signHint')}
          rows={8}
          error={problem}
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
        <Button disabled={sign.isPending}>{t('visit.sign')}</Button>
      </form>
    </>
  );
}
