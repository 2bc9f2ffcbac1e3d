import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import {
  ApiError,
  type CompanyMembership,
  createVendor,
  keys,
  listVendors,
  updateVendor,
  type Vendor,
  type VendorAddress,
} from "../../api.js";
import { Dialog } from "../../components/dialog.js";
import { EmptyState, ErrorState, errorMessage, Loading } from "../../components/ui.js";
import { useAction } from "../../components/use-action.js";
import { canManageLists } from "./admin-rules.js";
import { Checkbox } from "./directory-tab.js";

/** The one line an address reads as in a list: "12 Main St, Springfield, IL 62701". */
export function addressLine(a: VendorAddress): string {
  const place = [a.region, a.postalCode].filter(Boolean).join(" ");
  return [a.line1, a.city, place, a.country].filter(Boolean).join(", ");
}

/** The company's vendors: the subcontractors and suppliers its commitments are signed with. */
export function VendorsTab({ company }: { company: CompanyMembership }) {
  const c = company.id;
  const mayManage = canManageLists(company.permissions);
  const [showInactive, setShowInactive] = useState(false);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Vendor | null>(null);
  const list = useQuery({
    queryKey: keys.vendorList(c, showInactive),
    queryFn: () => listVendors(c, showInactive),
  });
  const setActive = useAction({
    run: (v: { vendor: Vendor; active: boolean }) => updateVendor(c, v.vendor.id, { active: v.active }),
    success: (_r, v) => `${v.vendor.name} ${v.active ? "activated" : "deactivated"}.`,
    invalidate: [keys.vendors(c)],
  });
  const items = list.data ?? [];

  return (
    <div className="stack">
      <section className="card" aria-labelledby="vendors-heading">
        <div className="card-head">
          <h2 id="vendors-heading">Vendors</h2>
          {mayManage ? (
            <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
              Add vendor
            </button>
          ) : null}
        </div>
        <p className="muted">
          Subcontractors and suppliers that commitments are signed with. An export finds each in QuickBooks by
          name or by the link made in Mappings, or adds it when the company allows it.
        </p>
        <Checkbox label="Show inactive vendors" checked={showInactive} onChange={setShowInactive} />
        {list.isPending ? (
          <Loading label="Loading vendors…" />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => list.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState title="No vendors yet.">
            {mayManage ? <p>Add the first vendor to start writing commitments.</p> : null}
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table table-stack">
              <caption className="sr-only">Vendors</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Contact</th>
                  <th scope="col">Address</th>
                  <th scope="col">QuickBooks vendor</th>
                  <th scope="col">Status</th>
                  {mayManage ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {items.map((v) => (
                  <tr key={v.id}>
                    <th scope="row">{v.name}</th>
                    <td data-label="Contact">
                      {v.contactName ?? <span className="muted">—</span>}
                      {v.email ? <span className="sub">{v.email}</span> : null}
                      {v.phone ? <span className="sub">{v.phone}</span> : null}
                    </td>
                    <td data-label="Address">{addressLine(v.address) || <span className="muted">—</span>}</td>
                    <td data-label="QuickBooks vendor">
                      {v.erpVendor ? (
                        (v.erpVendor.name ?? `Linked (QuickBooks vendor ${v.erpVendor.ref})`)
                      ) : (
                        <span className="muted">Not linked</span>
                      )}
                    </td>
                    <td data-label="Status">{v.active ? "Active" : "Inactive"}</td>
                    {mayManage ? (
                      <td className="row-actions">
                        <button
                          type="button"
                          className="button button-small button-secondary"
                          aria-label={`Edit vendor ${v.name}`}
                          onClick={() => setEditing(v)}
                        >
                          Edit
                        </button>
                        <button
                          type="button"
                          className="button button-small button-secondary"
                          aria-label={`${v.active ? "Deactivate" : "Activate"} vendor ${v.name}`}
                          disabled={setActive.isPending}
                          onClick={() => setActive.mutate({ vendor: v, active: !v.active })}
                        >
                          {v.active ? "Deactivate" : "Activate"}
                        </button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {adding ? <VendorDialog companyId={c} vendor={null} onClose={() => setAdding(false)} /> : null}
      {editing ? <VendorDialog companyId={c} vendor={editing} onClose={() => setEditing(null)} /> : null}
    </div>
  );
}

interface VendorForm {
  name: string;
  contactName: string;
  email: string;
  phone: string;
  line1: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
}

const FIELDS: { key: keyof VendorForm; label: string; max: number; type?: string }[] = [
  { key: "name", label: "Name", max: 100 },
  { key: "contactName", label: "Contact name", max: 100 },
  { key: "email", label: "Email", max: 254, type: "email" },
  { key: "phone", label: "Phone", max: 30, type: "tel" },
  { key: "line1", label: "Street address", max: 200 },
  { key: "city", label: "City", max: 100 },
  { key: "region", label: "State or region", max: 100 },
  { key: "postalCode", label: "Postal code", max: 30 },
  { key: "country", label: "Country", max: 100 },
];

const ADDRESS_FIELD: Record<string, keyof VendorForm> = {
  "address.line1": "line1",
  "address.city": "city",
  "address.region": "region",
  "address.postalCode": "postalCode",
  "address.country": "country",
};

function VendorDialog({
  companyId,
  vendor,
  onClose,
}: {
  companyId: string;
  vendor: Vendor | null;
  onClose: () => void;
}) {
  const [form, setForm] = useState<VendorForm>({
    name: vendor?.name ?? "",
    contactName: vendor?.contactName ?? "",
    email: vendor?.email ?? "",
    phone: vendor?.phone ?? "",
    line1: vendor?.address.line1 ?? "",
    city: vendor?.address.city ?? "",
    region: vendor?.address.region ?? "",
    postalCode: vendor?.address.postalCode ?? "",
    country: vendor?.address.country ?? "",
  });
  const [errors, setErrors] = useState<Partial<Record<keyof VendorForm | "form", string>>>({});
  const base = useId();
  const orNull = (v: string) => v.trim() || null;
  const save = useAction({
    run: () => {
      const input = {
        name: form.name.trim(),
        contactName: orNull(form.contactName),
        email: orNull(form.email),
        phone: orNull(form.phone),
        address: {
          line1: orNull(form.line1),
          city: orNull(form.city),
          region: orNull(form.region),
          postalCode: orNull(form.postalCode),
          country: orNull(form.country),
        },
      };
      return vendor ? updateVendor(companyId, vendor.id, input) : createVendor(companyId, input);
    },
    success: (r) => (vendor ? `${r.name} saved.` : `Vendor ${r.name} added.`),
    invalidate: [keys.vendors(companyId)],
    showErrorInline: true,
    onSuccess: onClose,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!form.name.trim()) {
      setErrors({ name: "Enter the vendor's name." });
      return;
    }
    setErrors({});
    save.mutate(undefined, {
      onError: (error) => {
        const raw = error instanceof ApiError ? error.field : undefined;
        const field = raw ? (ADDRESS_FIELD[raw] ?? raw) : undefined;
        if (error instanceof ApiError && error.code === "vendor_name_taken") {
          setErrors({ name: error.message || "Another vendor already has this name." });
        } else if (field && FIELDS.some((f) => f.key === field)) {
          setErrors({ [field]: error.message });
        } else setErrors({ form: errorMessage(error) });
      },
    });
  };
  return (
    <Dialog title={vendor ? `Edit ${vendor.name}` : "Add a vendor"} onClose={onClose} size="large">
      <form onSubmit={submit} noValidate className="stack">
        <div className="settings-grid">
          {FIELDS.map((f) => {
            const id = `${base}-${f.key}`;
            const error = errors[f.key];
            return (
              <div className="field" key={f.key}>
                <label htmlFor={id}>{f.label}</label>
                <input
                  id={id}
                  className="input"
                  type={f.type ?? "text"}
                  maxLength={f.max}
                  value={form[f.key]}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? `${id}-error` : undefined}
                  onChange={(e) => setForm((all) => ({ ...all, [f.key]: e.target.value }))}
                />
                {error ? (
                  <p id={`${id}-error`} className="field-error" role="alert">
                    {error}
                  </p>
                ) : null}
              </div>
            );
          })}
        </div>
        {errors.form ? (
          <p className="field-error" role="alert">
            {errors.form}
          </p>
        ) : null}
        <div className="dialog-footer">
          <button type="button" className="button button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={save.isPending}>
            {vendor ? "Save vendor" : "Add vendor"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
