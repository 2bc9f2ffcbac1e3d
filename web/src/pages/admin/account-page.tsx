import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { ApiError, type CompanyMembership, keys } from "../../api.js";
import { PageHeader } from "../../components/page-header.js";
import { ErrorState, errorMessage, Loading } from "../../components/ui.js";
import { useAction } from "../../components/use-action.js";
import { useMe } from "../../session.js";
import { adminKeys, changePassword, getDirectoryEntry, updateEntry } from "./admin-api.js";
import { Checkbox } from "./directory-tab.js";

/** What everyone manages for themselves: their password and whether the daily summary reaches them. */
export function AccountPage({ company }: { company: CompanyMembership | null }) {
  return (
    <>
      <PageHeader title="My account" kicker={company?.name} />
      <div className="stack">
        <PasswordCard />
        {company ? <DigestCard company={company} /> : null}
      </div>
    </>
  );
}

function PasswordCard() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<{ field?: string; message: string } | null>(null);
  const ids = { current: useId(), next: useId(), repeat: useId() };
  const save = useAction({
    run: () => changePassword(current, next),
    success: "Password changed. Your other sessions were signed out.",
    showErrorInline: true,
    onSuccess: () => {
      setCurrent("");
      setNext("");
      setRepeat("");
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (next !== repeat) return setError({ field: "repeat", message: "The two new passwords differ." });
    setError(null);
    save.mutate(undefined, {
      onError: (err) =>
        setError({ field: err instanceof ApiError ? err.field : undefined, message: errorMessage(err) }),
    });
  };
  const fieldError = (f: string) =>
    error?.field === f ? <p className="field-error">{error.message}</p> : null;
  return (
    <form className="card" onSubmit={submit} aria-labelledby="password-heading" noValidate>
      <h2 id="password-heading">Change password</h2>
      <div className="field">
        <label htmlFor={ids.current}>Current password</label>
        <input
          id={ids.current}
          className="input"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
        {fieldError("currentPassword")}
      </div>
      <div className="field">
        <label htmlFor={ids.next}>New password</label>
        <input
          id={ids.next}
          className="input"
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
        {fieldError("newPassword")}
      </div>
      <div className="field">
        <label htmlFor={ids.repeat}>Repeat the new password</label>
        <input
          id={ids.repeat}
          className="input"
          type="password"
          autoComplete="new-password"
          value={repeat}
          onChange={(e) => setRepeat(e.target.value)}
        />
        {fieldError("repeat")}
      </div>
      {error && !["currentPassword", "newPassword", "repeat"].includes(error.field ?? "") ? (
        <p className="field-error" role="alert">
          {error.message}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          Change password
        </button>
      </div>
    </form>
  );
}

function DigestCard({ company }: { company: CompanyMembership }) {
  const me = useMe();
  const userId = me.data?.user.id ?? "";
  const entry = useQuery({
    queryKey: [...adminKeys.directory(company.id), userId],
    queryFn: () => getDirectoryEntry(company.id, userId),
    enabled: Boolean(userId),
  });
  const toggle = useAction({
    run: (on: boolean) => updateEntry(company.id, userId, { subscribeErpDigest: on }),
    success: (_r, on) =>
      on ? "You will receive the daily summary." : "You will no longer receive the daily summary.",
    invalidate: [adminKeys.directory(company.id), keys.me],
  });
  return (
    <section className="card" aria-labelledby="digest-heading">
      <h2 id="digest-heading">Email in {company.name}</h2>
      {entry.isPending ? (
        <Loading />
      ) : entry.isError ? (
        <ErrorState error={entry.error} onRetry={() => entry.refetch()} />
      ) : (
        <>
          <Checkbox
            label="Send me the ERP Integrations Daily Summary"
            checked={entry.data.permissions.subscribeErpDigest}
            disabled={toggle.isPending}
            onChange={(on) => toggle.mutate(on)}
          />
          <p className="muted small">
            {entry.data.isAccountingApprover
              ? "As an accounting approver you get it on days when budgets wait for acceptance."
              : "It goes to accounting approvers only; the choice applies if you become one."}
          </p>
        </>
      )}
    </section>
  );
}
