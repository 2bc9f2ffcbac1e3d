import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { ApiError, type CompanyMembership, keys, type Level } from "../../api.js";
import { Dialog } from "../../components/dialog.js";
import { EmptyState, ErrorState, errorMessage, Loading, Notice } from "../../components/ui.js";
import { useAction } from "../../components/use-action.js";
import { useMe } from "../../session.js";
import {
  adminKeys,
  clearOverride,
  type DirectoryItem,
  getSettings,
  inviteUser,
  type LevelsInput,
  listAllProjects,
  listDirectory,
  resendInvitation,
  setCanPush,
  setOverride,
  updateEntry,
} from "./admin-api.js";
import { describeEmailProblem, isDirectoryAdmin, LEVEL_LABEL } from "./admin-rules.js";

const LEVELS: Level[] = ["none", "read_only", "standard", "admin"];
const STATUS_LABEL = { active: "Active", invited: "Invited", inactive: "Deactivated" } as const;

type Levels = Required<Omit<LevelsInput, "subscribeErpDigest">>;

const NEW_USER: Levels = {
  erpIntegrations: "none",
  directory: "none",
  budget: "read_only",
  lockBudget: false,
  sendAndRetrieveBudget: false,
};

export function LevelSelect({
  label,
  value,
  onChange,
  disabled,
}: {
  label: string;
  value: Level;
  onChange: (v: Level) => void;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        className="input"
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value as Level)}
      >
        {LEVELS.map((l) => (
          <option key={l} value={l}>
            {LEVEL_LABEL[l]}
          </option>
        ))}
      </select>
    </div>
  );
}

export function Checkbox({
  label,
  checked,
  onChange,
  disabled,
}: {
  label: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  disabled?: boolean;
}) {
  return (
    <label className="radio">
      <input
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChange(e.target.checked)}
      />{" "}
      {label}
    </label>
  );
}

function PermissionFields({ value, onChange }: { value: Levels; onChange: (v: Levels) => void }) {
  const set = <K extends keyof Levels>(k: K, v: Levels[K]) => onChange({ ...value, [k]: v });
  return (
    <>
      <div className="form-row">
        <LevelSelect
          label="ERP Integrations"
          value={value.erpIntegrations}
          onChange={(v) => set("erpIntegrations", v)}
        />
        <LevelSelect label="Directory" value={value.directory} onChange={(v) => set("directory", v)} />
        <LevelSelect label="Budget (all projects)" value={value.budget} onChange={(v) => set("budget", v)} />
      </div>
      <div className="form-row">
        <Checkbox label="Lock Budget" checked={value.lockBudget} onChange={(v) => set("lockBudget", v)} />
        <Checkbox
          label="Send and Retrieve Budgets from ERP"
          checked={value.sendAndRetrieveBudget}
          onChange={(v) => set("sendAndRetrieveBudget", v)}
        />
      </div>
    </>
  );
}

const invalidateDirectory = (c: string) => [adminKeys.directory(c), adminKeys.approvers(c), keys.me];

export function DirectoryTab({ company }: { company: CompanyMembership }) {
  const admin = isDirectoryAdmin(company.permissions);
  const me = useMe();
  const directory = useQuery({
    queryKey: adminKeys.directory(company.id),
    queryFn: () => listDirectory(company.id),
  });
  const [inviting, setInviting] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const editingItem = directory.data?.items.find((i) => i.user.id === editing) ?? null;

  return (
    <div className="stack">
      {admin ? (
        <div className="toolbar">
          <button type="button" className="button button-primary" onClick={() => setInviting(true)}>
            Invite user
          </button>
        </div>
      ) : null}
      {directory.isPending ? (
        <Loading label="Loading the directory…" />
      ) : directory.isError ? (
        <ErrorState error={directory.error} onRetry={() => directory.refetch()} />
      ) : directory.data.items.length === 0 ? (
        <EmptyState title="Nobody in the directory yet." />
      ) : (
        <div className="table-wrap">
          <table className="table table-stack">
            <caption className="sr-only">Directory of {company.name}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Status</th>
                <th scope="col">ERP Integrations</th>
                <th scope="col">Directory</th>
                <th scope="col">Budget</th>
                <th scope="col">Privileges</th>
                {admin ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {directory.data.items.map((item) => {
                const self = item.user.id === me.data?.user.id;
                return (
                  <tr key={item.user.id}>
                    <th scope="row" className="cell-project">
                      {item.user.name}
                      {self ? <span className="muted"> (you)</span> : null}
                    </th>
                    <td data-label="Email">{item.user.email}</td>
                    <td data-label="Status">
                      <span className={`pill pill-user-${item.status}`}>{STATUS_LABEL[item.status]}</span>
                    </td>
                    <td data-label="ERP Integrations">{LEVEL_LABEL[item.permissions.erpIntegrations]}</td>
                    <td data-label="Directory">{LEVEL_LABEL[item.permissions.directory]}</td>
                    <td data-label="Budget">
                      {LEVEL_LABEL[item.permissions.budget]}
                      {item.projectOverrides.length > 0 ? (
                        <span className="muted small">
                          {" "}
                          · {item.projectOverrides.length} project override(s)
                        </span>
                      ) : null}
                    </td>
                    <td data-label="Privileges">
                      {item.isAccountingApprover ? (
                        <span className="badge badge-approver">Accounting approver</span>
                      ) : item.permissions.canPushToAccounting ? (
                        <span className="muted small">Can Push to Accounting</span>
                      ) : (
                        <span className="muted small">None</span>
                      )}
                    </td>
                    {admin ? (
                      <td className="row-actions">
                        <button
                          type="button"
                          className="button button-small button-secondary"
                          aria-label={`Edit ${item.user.name}`}
                          onClick={() => setEditing(item.user.id)}
                        >
                          Edit
                        </button>
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {inviting ? <InviteDialog companyId={company.id} onClose={() => setInviting(false)} /> : null}
      {editingItem ? (
        <EditDialog
          company={company}
          item={editingItem}
          self={editingItem.user.id === me.data?.user.id}
          onClose={() => setEditing(null)}
        />
      ) : null}
    </div>
  );
}

function InviteDialog({ companyId, onClose }: { companyId: string; onClose: () => void }) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [levels, setLevels] = useState<Levels>(NEW_USER);
  const [error, setError] = useState<{ field?: string; message: string } | null>(null);
  const ids = { name: useId(), email: useId() };
  const invite = useAction({
    run: () => inviteUser(companyId, { name: name.trim(), email: email.trim(), permissions: levels }),
    success: (r) =>
      r.invited
        ? `Invitation sent to ${r.user.email}.`
        : `${r.user.email} already had an account and was added.`,
    invalidate: invalidateDirectory(companyId),
    onSuccess: onClose,
    showErrorInline: true,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return setError({ field: "name", message: "Enter the person's name." });
    const emailProblem = describeEmailProblem(email);
    if (emailProblem) return setError({ field: "email", message: emailProblem });
    setError(null);
    invite.mutate(undefined, {
      onError: (err) =>
        setError({ field: err instanceof ApiError ? err.field : undefined, message: errorMessage(err) }),
    });
  };
  return (
    <Dialog title="Invite user" onClose={onClose} size="large">
      <form onSubmit={submit} noValidate>
        <div className="form-row">
          <div className="field">
            <label htmlFor={ids.name}>Name</label>
            <input id={ids.name} className="input" value={name} onChange={(e) => setName(e.target.value)} />
            {error?.field === "name" ? <p className="field-error">{error.message}</p> : null}
          </div>
          <div className="field">
            <label htmlFor={ids.email}>Email address</label>
            <input
              id={ids.email}
              className="input"
              type="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
            {error?.field === "email" ? <p className="field-error">{error.message}</p> : null}
          </div>
        </div>
        <PermissionFields value={levels} onChange={setLevels} />
        {error && error.field !== "name" && error.field !== "email" ? (
          <p className="field-error" role="alert">
            {error.message}
          </p>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={invite.isPending}>
            Send invitation
          </button>
          <button type="button" className="button button-secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function EditDialog({
  company,
  item,
  self,
  onClose,
}: {
  company: CompanyMembership;
  item: DirectoryItem;
  self: boolean;
  onClose: () => void;
}) {
  const c = company.id;
  const [levels, setLevels] = useState<Levels>({
    erpIntegrations: item.permissions.erpIntegrations,
    directory: item.permissions.directory,
    budget: item.permissions.budget,
    lockBudget: item.permissions.lockBudget,
    sendAndRetrieveBudget: item.permissions.sendAndRetrieveBudget,
  });
  const [error, setError] = useState<string | null>(null);
  const settings = useQuery({ queryKey: adminKeys.settings(c), queryFn: () => getSettings(c) });
  const save = useAction({
    run: () => updateEntry(c, item.user.id, levels),
    success: "Permissions saved.",
    invalidate: invalidateDirectory(c),
    showErrorInline: true,
  });
  const toggleActive = useAction({
    run: () => updateEntry(c, item.user.id, { active: !item.active }),
    success: item.active ? `${item.user.name} was deactivated.` : `${item.user.name} was reactivated.`,
    invalidate: invalidateDirectory(c),
  });
  const resend = useAction({
    run: () => resendInvitation(c, item.user.id),
    success: `A new invitation was sent to ${item.user.email}.`,
  });
  const grant = useAction({
    run: (granted: boolean) => setCanPush(c, item.user.id, granted),
    success: (_r, granted) =>
      granted ? "Can Push to Accounting granted." : "Can Push to Accounting withdrawn.",
    invalidate: invalidateDirectory(c),
  });
  const selfService = settings.data?.selfServiceApproverGrants === true;
  const mayGrant = selfService && company.permissions.canPushToAccounting;

  return (
    <Dialog title={`Edit ${item.user.name}`} onClose={onClose} size="large" description={item.user.email}>
      {self ? (
        <Notice tone="info">
          <p>You cannot change your own permissions; ask another directory admin.</p>
        </Notice>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setError(null);
            save.mutate(undefined, { onError: (err) => setError(errorMessage(err)) });
          }}
        >
          <PermissionFields value={levels} onChange={setLevels} />
          {error ? (
            <p className="field-error" role="alert">
              {error}
            </p>
          ) : null}
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={save.isPending || !item.active}>
              Save permissions
            </button>
          </div>
        </form>
      )}

      <h3>Can Push to Accounting</h3>
      <p>
        {item.permissions.canPushToAccounting ? "Granted." : "Not granted."}{" "}
        {mayGrant
          ? null
          : selfService
            ? "Only directory admins who hold the privilege themselves may grant it."
            : "Only the platform operator grants this privilege for this company."}
      </p>
      {mayGrant ? (
        <button
          type="button"
          className="button button-secondary"
          disabled={grant.isPending}
          onClick={() => grant.mutate(!item.permissions.canPushToAccounting)}
        >
          {item.permissions.canPushToAccounting
            ? "Withdraw Can Push to Accounting"
            : "Grant Can Push to Accounting"}
        </button>
      ) : null}

      {self ? null : <ProjectOverrides company={company} item={item} />}

      {self ? null : (
        <div className="form-actions">
          {item.status === "invited" ? (
            <button type="button" className="button button-secondary" onClick={() => resend.mutate()}>
              Resend invitation
            </button>
          ) : null}
          <button
            type="button"
            className={item.active ? "button button-danger-quiet" : "button button-secondary"}
            disabled={toggleActive.isPending}
            onClick={() => toggleActive.mutate()}
          >
            {item.active ? "Deactivate user" : "Reactivate user"}
          </button>
        </div>
      )}
      <div className="form-actions">
        <button type="button" className="button button-secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

function ProjectOverrides({ company, item }: { company: CompanyMembership; item: DirectoryItem }) {
  const c = company.id;
  const projects = useQuery({ queryKey: adminKeys.projects(c), queryFn: () => listAllProjects(c) });
  const [projectId, setProjectId] = useState("");
  const [budget, setBudget] = useState<Level>("standard");
  const [lockBudget, setLock] = useState(false);
  const [sendAndRetrieveBudget, setSend] = useState(false);
  const projectSelect = useId();
  const name = (id: string) => {
    const p = projects.data?.find((x) => x.id === id);
    return p ? `${p.number} ${p.name}` : id;
  };
  const add = useAction({
    run: () => setOverride(c, projectId, item.user.id, { budget, lockBudget, sendAndRetrieveBudget }),
    success: "Project permissions saved.",
    invalidate: invalidateDirectory(c),
  });
  const remove = useAction({
    run: (p: string) => clearOverride(c, p, item.user.id),
    success: "Back to the company-wide budget permissions on that project.",
    invalidate: invalidateDirectory(c),
  });
  return (
    <section>
      <h3>Project permissions</h3>
      <p className="muted">On these projects the budget permissions below replace the company-wide ones.</p>
      {item.projectOverrides.length > 0 ? (
        <ul className="plain-list">
          {item.projectOverrides.map((o) => (
            <li key={o.projectId}>
              {name(o.projectId)}: Budget {LEVEL_LABEL[o.budget]}
              {o.lockBudget ? ", Lock Budget" : ""}
              {o.sendAndRetrieveBudget ? ", Send and Retrieve" : ""}{" "}
              <button
                type="button"
                className="button-link"
                aria-label={`Remove the override on ${name(o.projectId)}`}
                onClick={() => remove.mutate(o.projectId)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="form-row">
        <div className="field">
          <label htmlFor={projectSelect}>Project</label>
          <select
            id={projectSelect}
            className="input"
            value={projectId}
            onChange={(e) => setProjectId(e.target.value)}
          >
            <option value="">Choose a project</option>
            {(projects.data ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.number} {p.name}
              </option>
            ))}
          </select>
        </div>
        <LevelSelect label="Budget on this project" value={budget} onChange={setBudget} />
      </div>
      <div className="form-row">
        <Checkbox label="Lock Budget on this project" checked={lockBudget} onChange={setLock} />
        <Checkbox
          label="Send and Retrieve on this project"
          checked={sendAndRetrieveBudget}
          onChange={setSend}
        />
        <button
          type="button"
          className="button button-secondary"
          disabled={!projectId || add.isPending}
          onClick={() => add.mutate()}
        >
          Save project permissions
        </button>
      </div>
    </section>
  );
}
