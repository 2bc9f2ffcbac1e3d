import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { ApiError, type CompanyMembership } from "../../api.js";
import { ErrorState, errorMessage, Loading, Notice } from "../../components/ui.js";
import { useAction } from "../../components/use-action.js";
import {
  adminKeys,
  getSettings,
  listQuickBooksCustomers,
  type Settings,
  updateSettings,
} from "./admin-api.js";
import { isErpAdminP } from "./admin-rules.js";
import { Checkbox } from "./directory-tab.js";

function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [];
  }
}

function currencies(): string[] {
  try {
    return Intl.supportedValuesOf("currency");
  } catch {
    return ["USD"];
  }
}

const hourLabel = (h: number) => `${String(h).padStart(2, "0")}:00`;

export function SettingsTab({ company }: { company: CompanyMembership }) {
  const settings = useQuery({
    queryKey: adminKeys.settings(company.id),
    queryFn: () => getSettings(company.id),
  });
  if (settings.isPending) return <Loading label="Loading settings…" />;
  if (settings.isError) return <ErrorState error={settings.error} onRetry={() => settings.refetch()} />;
  return <SettingsForm key={JSON.stringify(settings.data)} company={company} initial={settings.data} />;
}

function SettingsForm({ company, initial }: { company: CompanyMembership; initial: Settings }) {
  const editable = isErpAdminP(company.permissions);
  const [s, setS] = useState(initial);
  const [error, setError] = useState<{ field?: string; message: string } | null>(null);
  const set = <K extends keyof Settings>(k: K, v: Settings[K]) => setS((prev) => ({ ...prev, [k]: v }));
  const ids = {
    tz: useId(),
    currency: useId(),
    hour: useId(),
    parent: useId(),
    parentList: useId(),
    mode: useId(),
  };
  // The parent customer is picked from QuickBooks when it can be read; otherwise it is typed by name.
  const customers = useQuery({
    queryKey: adminKeys.customers(company.id),
    queryFn: () => listQuickBooksCustomers(company.id),
    enabled: editable,
    retry: false,
  });
  const save = useAction({
    run: () =>
      updateSettings(company.id, {
        timeZone: s.timeZone,
        currency: s.currency,
        dailySummaryHour: s.dailySummaryHour,
        createMissingItems: s.createMissingItems,
        defaultParentCustomer: s.defaultParentCustomer?.trim() || null,
        estimateMode: s.estimateMode,
        separationOfDuties: s.separationOfDuties,
        notifyApproversOnSend: s.notifyApproversOnSend,
        useClasses: s.useClasses,
      }),
    success: "Settings saved.",
    invalidate: [adminKeys.settings(company.id), ["connection", company.id]],
    showErrorInline: true,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    save.mutate(undefined, {
      onError: (err) =>
        setError({ field: err instanceof ApiError ? err.field : undefined, message: errorMessage(err) }),
    });
  };
  const fieldError = (f: string) =>
    error?.field === f ? (
      <p className="field-error" role="alert">
        {error.message}
      </p>
    ) : null;

  return (
    <form className="card" onSubmit={submit} noValidate>
      {editable ? null : (
        <Notice tone="info">
          <p>Only ERP Integrations admins can change these settings.</p>
        </Notice>
      )}
      <fieldset className="fields" disabled={!editable}>
        <legend className="sr-only">Company settings</legend>
        <div className="form-row">
          <div className="field">
            <label htmlFor={ids.tz}>Time zone</label>
            <input
              id={ids.tz}
              className="input"
              list={`${ids.tz}-list`}
              value={s.timeZone}
              onChange={(e) => set("timeZone", e.target.value)}
            />
            <datalist id={`${ids.tz}-list`}>
              {timeZones().map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
            {fieldError("timeZone")}
          </div>
          <div className="field">
            <label htmlFor={ids.currency}>Currency</label>
            <select
              id={ids.currency}
              className="input"
              value={s.currency}
              onChange={(e) => set("currency", e.target.value)}
            >
              {currencies().map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
            {fieldError("currency")}
          </div>
          <div className="field">
            <label htmlFor={ids.hour}>Daily summary hour</label>
            <select
              id={ids.hour}
              className="input"
              value={s.dailySummaryHour}
              onChange={(e) => set("dailySummaryHour", Number(e.target.value))}
            >
              {Array.from({ length: 24 }, (_, h) => (
                <option key={hourLabel(h)} value={h}>
                  {hourLabel(h)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="form-row">
          <div className="field">
            <label htmlFor={ids.parent}>Default parent customer for new jobs</label>
            <input
              id={ids.parent}
              className="input"
              list={ids.parentList}
              value={s.defaultParentCustomer ?? ""}
              onChange={(e) => set("defaultParentCustomer", e.target.value)}
            />
            <datalist id={ids.parentList}>
              {(customers.data?.items ?? [])
                .filter((c) => !c.isJob)
                .map((c) => (
                  <option key={c.ref} value={c.name} />
                ))}
            </datalist>
            {fieldError("defaultParentCustomer")}
          </div>
          <div className="field">
            <label htmlFor={ids.mode}>Estimate on re-send</label>
            <select
              id={ids.mode}
              className="input"
              value={s.estimateMode}
              onChange={(e) => set("estimateMode", e.target.value as Settings["estimateMode"])}
            >
              <option value="update_in_place">Update the estimate in place</option>
              <option value="new_estimate_per_submission">A new estimate per submission</option>
            </select>
          </div>
        </div>
        <div className="stack">
          <Checkbox
            label="Create missing items in QuickBooks"
            checked={s.createMissingItems}
            onChange={(v) => set("createMissingItems", v)}
          />
          <Checkbox
            label="Separation of duties (the sender cannot accept)"
            checked={s.separationOfDuties}
            onChange={(v) => set("separationOfDuties", v)}
          />
          <Checkbox
            label="Email approvers when a budget is sent"
            checked={s.notifyApproversOnSend}
            onChange={(v) => set("notifyApproversOnSend", v)}
          />
          <Checkbox
            label="Use QuickBooks classes for categories"
            checked={s.useClasses}
            onChange={(v) => set("useClasses", v)}
          />
        </div>
        <p className="muted">
          Self-service approver grants: {s.selfServiceApproverGrants ? "on" : "off"} (set by the platform
          operator).
        </p>
      </fieldset>
      {error && !["timeZone", "currency", "defaultParentCustomer"].includes(error.field ?? "") ? (
        <p className="field-error" role="alert">
          {error.message}
        </p>
      ) : null}
      {editable ? (
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={save.isPending}>
            Save settings
          </button>
        </div>
      ) : null}
    </form>
  );
}
