import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useRef, useState } from "react";
import { ApiError, getMe, keys, signIn } from "../api.js";
import { errorMessage, Notice } from "../components/ui.js";
import { safeNextPath, useLocation, useNavigate } from "../router.js";
import { landingPath } from "../rules.js";
import { usePublicConfig, useTitle } from "../session.js";

export function SignInPage() {
  useTitle("Sign in");
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const params = new URLSearchParams(location.search);
  const config = usePublicConfig();
  const [email, setEmail] = useState(params.get("email") ?? "");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<{ message: string; field?: "email" | "password" } | null>(null);
  const [busy, setBusy] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const ids = { email: useId(), password: useId(), error: useId() };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!email.trim()) {
      setError({ message: "Enter your email address.", field: "email" });
      emailRef.current?.focus();
      return;
    }
    if (!password) {
      setError({ message: "Enter your password.", field: "password" });
      passwordRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(email.trim(), password);
      queryClient.setQueryData(keys.session, session);
      const me = await queryClient.fetchQuery({ queryKey: keys.me, queryFn: getMe });
      navigate(safeNextPath(params.get("next")) ?? landingPath(me), { replace: true });
    } catch (e) {
      const field =
        e instanceof ApiError && (e.field === "email" || e.field === "password") ? e.field : undefined;
      setError({ message: errorMessage(e), field });
      setPassword("");
      passwordRef.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <p className="brand brand-large">Costbridge</p>
        <h1 tabIndex={-1}>Sign in</h1>
        {params.get("invited") === "1" ? (
          <Notice tone="success" role="status">
            <p>Your password is set. Sign in to continue.</p>
          </Notice>
        ) : null}
        {params.get("signedOut") === "1" ? (
          <Notice tone="info" role="status">
            <p>You are signed out.</p>
          </Notice>
        ) : null}
        <form onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor={ids.email}>Email</label>
            <input
              id={ids.email}
              ref={emailRef}
              className="input"
              type="email"
              autoComplete="username"
              autoFocus
              value={email}
              aria-invalid={error?.field === "email" || undefined}
              aria-describedby={error ? ids.error : undefined}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={ids.password}>Password</label>
            <input
              id={ids.password}
              ref={passwordRef}
              className="input"
              type="password"
              autoComplete="current-password"
              value={password}
              aria-invalid={error?.field === "password" || undefined}
              aria-describedby={error ? ids.error : undefined}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          {error ? (
            <p id={ids.error} className="field-error" role="alert">
              {error.message}
            </p>
          ) : null}
          <button
            type="submit"
            className="button button-primary button-block"
            disabled={busy}
            aria-busy={busy || undefined}
          >
            Sign in
          </button>
        </form>
        {config.demo && config.demoUsers.length > 0 ? (
          <section className="demo-hint" aria-labelledby="demo-heading">
            <h2 id="demo-heading">Demo accounts</h2>
            <p className="muted small">
              Every demo account uses the password <code>demo</code>. Pick one to fill in the form.
            </p>
            <ul className="demo-accounts">
              {config.demoUsers.map((u) => (
                <li key={u.email}>
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => {
                      setEmail(u.email);
                      setPassword("demo");
                      setError(null);
                      passwordRef.current?.focus();
                    }}
                  >
                    {u.email}
                  </button>{" "}
                  <span className="muted small">{u.role}</span>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </div>
    </main>
  );
}
