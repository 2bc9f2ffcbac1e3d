import { type FormEvent, useId, useState } from "react";
import { ApiError, acceptInvitation } from "../api.js";
import { errorMessage, Notice } from "../components/ui.js";
import { Link, useNavigate } from "../router.js";
import { useTitle } from "../session.js";

export function InvitationPage({ token }: { token: string }) {
  useTitle("Accept invitation");
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<{ name?: string; password?: string; confirm?: string; form?: string }>(
    {},
  );
  const [gone, setGone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { name: useId(), password: useId(), confirm: useId() };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const next: typeof errors = {};
    if (!password) next.password = "Choose a password.";
    if (confirm !== password) next.confirm = "The two passwords differ.";
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    setBusy(true);
    try {
      const result = await acceptInvitation(
        token,
        name.trim() ? { password, name: name.trim() } : { password },
      );
      const email = result?.user?.email ?? result?.email;
      navigate(`/signin?invited=1${email ? `&email=${encodeURIComponent(email)}` : ""}`, { replace: true });
    } catch (e) {
      if (e instanceof ApiError && (e.status === 410 || e.status === 404)) setGone(e.message);
      else if (e instanceof ApiError && (e.field === "password" || e.field === "name"))
        setErrors({ [e.field]: e.message });
      else setErrors({ form: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <p className="brand brand-large">Costbridge</p>
        <h1 tabIndex={-1}>Accept your invitation</h1>
        {gone ? (
          <Notice tone="error" role="alert">
            <p>{gone}</p>
            <p>
              Ask your company admin for a new invitation, or <Link to="/signin">sign in</Link> if you already
              set a password.
            </p>
          </Notice>
        ) : (
          <form onSubmit={submit} noValidate>
            <p className="muted">Choose a password to finish setting up your account.</p>
            <div className="field">
              <label htmlFor={ids.name}>Your name (optional)</label>
              <input
                id={ids.name}
                className="input"
                autoComplete="name"
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
              {errors.name ? <p className="field-error">{errors.name}</p> : null}
            </div>
            <div className="field">
              <label htmlFor={ids.password}>New password</label>
              <input
                id={ids.password}
                className="input"
                type="password"
                autoComplete="new-password"
                value={password}
                aria-invalid={errors.password ? true : undefined}
                onChange={(e) => setPassword(e.target.value)}
              />
              {errors.password ? <p className="field-error">{errors.password}</p> : null}
            </div>
            <div className="field">
              <label htmlFor={ids.confirm}>Repeat the password</label>
              <input
                id={ids.confirm}
                className="input"
                type="password"
                autoComplete="new-password"
                value={confirm}
                aria-invalid={errors.confirm ? true : undefined}
                onChange={(e) => setConfirm(e.target.value)}
              />
              {errors.confirm ? <p className="field-error">{errors.confirm}</p> : null}
            </div>
            {errors.form ? (
              <p className="field-error" role="alert">
                {errors.form}
              </p>
            ) : null}
            <button type="submit" className="button button-primary button-block" disabled={busy}>
              Set password
            </button>
          </form>
        )}
      </div>
    </main>
  );
}
