/**
 * The facilities where a practitioner works: a box per facility, ticked while they work there, and
 * a directory search (any word of the name, any spelling) whose matches come as more boxes to tick.
 * Each line says the facility's full name and city, wrapped — never cut in a closed select.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useDataQuery } from '../data/index.ts';
import { Button, Choices, ErrorMessage, Loading, TextField } from '../design/index.ts';
import { type CarerChoice, findCarers } from '../fhir/directory-search.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { NS } from './i18n/index.ts';

export interface FacilitiesFieldProps {
  /** `Organization/…`, the main one first. */
  value: string[];
  onChange(value: string[]): void;
  /** What is known of each facility (name, city): the practitioner's roles, facilities met. */
  known: CarerChoice[];
  /** Facilities ticked from a search: their line is kept (and their name saved in the role). */
  onMeet(found: CarerChoice[]): void;
  error?: string;
}

export function FacilitiesField({ value, onChange, known, onMeet, error }: FacilitiesFieldProps) {
  const { t } = useTranslation(NS);
  const { t: common } = useTranslation();
  const language = useLanguage();
  const [text, setText] = useState('');
  const [query, setQuery] = useState<string>();
  const [searchError, setSearchError] = useState<string>();
  const found = useDataQuery({
    types: ['Organization'],
    key: ['practitioner-facilities', query, language],
    load: (signal) => findCarers('Organization', query ?? '', language, signal),
    enabled: Boolean(query),
  });
  const lines = new Map<string, CarerChoice>();
  for (const choice of [...known, ...(found.data ?? [])]) lines.set(choice.reference, choice);
  const line = (reference: string): CarerChoice =>
    lines.get(reference) ?? { reference, name: reference, specialties: [], places: [] };
  /** Every facility ticked at some point stays listed: one unticked by mistake is ticked back. */
  const [shown, setShown] = useState<string[]>([]);
  const listed = [...new Set([...shown, ...value])];
  const matches = query ? (found.data ?? []).filter((m) => !listed.includes(m.reference)) : [];

  function find() {
    if (text.trim().length < 2) {
      setSearchError(t('errors.organizationSearch'));
      return;
    }
    setSearchError(undefined);
    setQuery(text.trim());
  }

  function choose(references: string[]) {
    const added = references.filter((r) => !value.includes(r));
    if (added.length > 0) onMeet(matches.filter((m) => added.includes(m.reference)));
    setShown([...new Set([...listed, ...references])]);
    // in the order listed, whatever the order of the ticks
    onChange([...new Set([...listed, ...references])].filter((r) => references.includes(r)));
  }

  return (
    <>
      <Choices
        id="organizations"
        legend={t('practitioners.organizations')}
        hint={t('practitioners.organizationsHint')}
        type="checkbox"
        error={error}
        options={[...listed, ...matches.map((m) => m.reference)].map((reference) => ({
          value: reference,
          label: <FacilityLabel choice={line(reference)} />,
        }))}
        value={value}
        onChange={choose}
      />
      <TextField
        id="facility-search"
        label={t('practitioners.findOrganization')}
        hint={t('practitioners.findOrganizationHint')}
        error={searchError}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            find();
          }
        }}
      />
      <p>
        <Button
          type="button"
          variant="secondary"
          onClick={find}
          disabled={Boolean(query) && found.isFetching}
        >
          {common('actions.search')}
        </Button>
      </p>
      {query && found.isFetching && !found.data && <Loading />}
      {query && found.isError && <ErrorMessage error={found.error} retry={() => void found.refetch()} />}
      {query && found.data?.length === 0 && (
        <p className="empty" role="status">
          {t('practitioners.noOrganizationMatch')}
        </p>
      )}
    </>
  );
}

/** The name, the city under it: a facility named in Latin letters keeps its order on an Arabic page. */
function FacilityLabel({ choice }: { choice: CarerChoice }) {
  return (
    <span>
      <bdi>{choice.name}</bdi>
      {choice.places.map((place) => (
        <span key={place} className="secondary">
          <br />
          <bdi>{place}</bdi>
        </span>
      ))}
    </span>
  );
}
