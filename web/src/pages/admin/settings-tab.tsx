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

/** "America/New_York" → "New York"; the region is the option group. */
function zoneLabel(zone: string): string {
  return zone.split("/").slice(1).join(" / ").replace(/_/g, " ") || zone;
}

/** Every IANA zone this browser knows, grouped by region; a zone it does not know still shows as chosen. */
function TimeZoneSelect({
  id,
  value,
  onChange,
}: {
  id: string;
  value: string;
  onChange: (zone: string) => void;
}) {
  const zones = timeZones();
  const known = zones.includes(value) || value === "UTC";
  const groups = new Map<string, string[]>();
  for (const zone of zones) {
    const region = zone.includes("/") ? (zone.split("/")[0] ?? "Other") : "Other";
    groups.set(region, [...(groups.get(region) ?? []), zone]);
  }
  return (
    <select id={id} className="input" value={value} onChange={(e) => onChange(e.target.value)}>
      {known ? null : <option value={value}>{value}</option>}
      <option value="UTC">UTC</option>
      {[...groups.entries()].map(([region, list]) => (
        <optgroup key={region} label={region}>
          {list
            .filter((zone) => zone !== "UTC")
            .map((zone) => (
              <option key={zone} value={zone}>
                {zone.includes("/") ? zoneLabel(zone) : zone} ({zone})
              </option>
            ))}
        </optgroup>
      ))}
    </select>
  );
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
        ...(s.createMissingVendors === undefined ? {} : { createMissingVendors: s.createMissingVendors }),
        defaultParentCustomer: s.defaultParentCustomer?.trim() || null,
        estimateMode: s.estimateMode,
        separationOfDuties: s.separationOfDuties,
        notifyApproversOnSend: s.notifyApproversOnSend,
        useClasses: s.useClasses,
      }),
    success: "Settings saved.",
    // The time zone lives on the membership too: every date on every page follows it.
    invalidate: [adminKeys.settings(company.id), ["connection", company.id], ["me"]],
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
      <fieldset className="settings-form" disabled={!editable}>
        <legend className="sr-only">Company settings</legend>
        <h3 className="settings-heading">Time and money</h3>
        <div className="settings-grid">
          <div className="field">
            <label htmlFor={ids.tz}>Time zone</label>
            <TimeZoneSelect id={ids.tz} value={s.timeZone} onChange={(z) => set("timeZone", z)} />
            <p className="hint">Dates on every page and in emails are shown in this zone.</p>
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
            <p className="hint">When approvers get the day's summary, in the company's time zone.</p>
          </div>
        </div>
        <h3 className="settings-heading">QuickBooks</h3>
        <div className="settings-grid">
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
        <div className="settings-checks">
          <Checkbox
            label="Create missing items in QuickBooks"
            checked={s.createMissingItems}
            onChange={(v) => set("createMissingItems", v)}
          />
          {s.createMissingVendors === undefined ? null : (
            <Checkbox
              label="Create missing vendors in QuickBooks"
              checked={s.createMissingVendors}
              onChange={(v) => set("createMissingVendors", v)}
            />
          )}
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
