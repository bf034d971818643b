/** Administrators manage accounts: find one, change its roles (every platform role), create staff accounts. */
import type { AccountCreateRequest } from '@sahti/contracts';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ANY, useDataMutation, useDataQuery } from '../data/index.ts';
import {
  Button,
  Choices,
  ErrorMessage,
  ErrorSummary,
  Loading,
  Notice,
  Page,
  TextField,
} from '../design/index.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { listText, roleLabel } from '../terms/index.ts';
import {
  changeRoles,
  createStaffAccount,
  listAccounts,
  type ManagedAccount,
  newAccountProblems,
  STAFF_ROLES,
} from './accounts.ts';
import { NS } from './i18n/index.ts';

const EMPTY: AccountCreateRequest = { displayName: '', login: '', email: '', roles: [] };

function RolesEditor({ account }: { account: ManagedAccount }) {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const [roles, setRoles] = useState(account.roles);
  const save = useDataMutation({
    write: () => changeRoles(account.id, roles),
    changes: () => [{ resourceType: ANY }],
  });
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(undefined);
      }}
    >
      <Choices
        id={`roles-${account.id}`}
        legend={t('accounts.rolesOf', { name: account.displayName })}
        type="checkbox"
        options={STAFF_ROLES.map((r) => ({ value: r, label: roleLabel(language, r) }))}
        value={roles}
        onChange={setRoles}
      />
      {save.isSuccess && <Notice kind="success">{t('accounts.saved')}</Notice>}
      {save.isError && <ErrorMessage error={save.error} />}
      <Button variant="secondary" small disabled={save.isPending || roles.length === 0}>
        {t('accounts.saveRoles')}
      </Button>
    </form>
  );
}

export default function AccountsPage() {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const found = useDataQuery({
    types: [],
    key: ['accounts', query],
    load: (signal) => listAccounts(query, signal),
  });
  const [values, setValues] = useState(EMPTY);
  const [problems, setProblems] = useState<{ field: string; message: string }[]>([]);
  const create = useDataMutation({
    write: () => createStaffAccount(values),
    changes: () => [{ resourceType: ANY }],
  });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = newAccountProblems(values).map((p) => ({ field: p.field, message: t(p.key) }));
    setProblems(found);
    if (found.length) return;
    await create.mutateAsync(undefined);
    setValues(EMPTY);
  };
  const errorOf = (field: string) => problems.find((p) => p.field === field)?.message;
  return (
    <Page title={t('accounts.title')} lede={t('accounts.lede')}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(q.trim());
        }}
      >
        <TextField
          id="q"
          type="search"
          label={t('accounts.search')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        <Button variant="secondary">{t('accounts.find')}</Button>
      </form>
      {found.isPending && <Loading />}
      {found.isError && <ErrorMessage error={found.error} retry={() => void found.refetch()} />}
      {found.data && (
        <ul className="list-plain" data-testid="accounts">
          {found.data
            .filter((a) => a.kind === 'staff')
            .map((a) => (
              <li key={a.id}>
                <details>
                  <summary>
                    <strong>{a.displayName}</strong>{' '}
                    <span className="secondary" dir="ltr">
                      {a.login}
                    </span>{' '}
                    —{' '}
                    <span data-testid="account-roles">
                      {listText(
                        language,
                        a.roles.map((r) => roleLabel(language, r)),
                      )}
                    </span>
                  </summary>
                  <RolesEditor account={a} />
                </details>
              </li>
            ))}
        </ul>
      )}
      <section>
        <h2>{t('accounts.newTitle')}</h2>
        <p className="secondary">{t('accounts.newLede')}</p>
        <ErrorSummary errors={problems} />
        {create.isSuccess && <Notice kind="success">{t('accounts.created')}</Notice>}
        {create.isError && <ErrorMessage error={create.error} />}
        <form onSubmit={submit} noValidate>
          <TextField
            id="displayName"
            label={t('accounts.name')}
            error={errorOf('displayName')}
            value={values.displayName}
            onChange={(e) => setValues({ ...values, displayName: e.target.value })}
          />
          <TextField
            id="login"
            label={t('accounts.login')}
            dir="ltr"
            error={errorOf('login')}
            value={values.login}
            onChange={(e) => setValues({ ...values, login: e.target.value })}
          />
          <TextField
            id="email"
            type="email"
            label={t('accounts.email')}
            dir="ltr"
            error={errorOf('email')}
            value={values.email}
            onChange={(e) => setValues({ ...values, email: e.target.value })}
          />
          <Choices
            id="roles"
            legend={t('accounts.roles')}
            type="checkbox"
            error={errorOf('roles')}
            options={STAFF_ROLES.map((r) => ({ value: r, label: roleLabel(language, r) }))}
            value={values.roles}
            onChange={(roles) => setValues({ ...values, roles: roles as AccountCreateRequest['roles'] })}
          />
          <Button disabled={create.isPending}>{t('accounts.create')}</Button>
        </form>
      </section>
    </Page>
  );
}
