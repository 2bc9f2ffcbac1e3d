import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import {
  type CompanyMembership,
  type Connection,
  type ConnectRoute,
  disconnectErp,
  getConnection,
  keys,
  qwcUrl,
  resetWebConnectorPassword,
  startErpConnect,
} from "../api.js";
import { ValueView } from "../components/data-view.js";
import { Dialog } from "../components/dialog.js";
import { ErrorState, Loading, Notice } from "../components/ui.js";
import { useAction } from "../components/use-action.js";
import { formatDateTime } from "../format.js";
import { useLocation, useNavigate } from "../router.js";
import { humanizeKey } from "../rules.js";

/** Keys shown with a fixed label and in a fixed order; anything else the server adds is listed after them. */
const KNOWN_DETAILS: Record<string, string> = {
  realmId: "Company (realm) ID",
  realm: "Company (realm) ID",
  companyName: "QuickBooks company",
  tokenHealth: "Token health",
  accessTokenExpiresAt: "Access token expires",
  refreshTokenExpiresAt: "Refresh token expires",
  username: "Web Connector user name",
  userName: "Web Connector user name",
  webConnectorUsername: "Web Connector user name",
  connectedAt: "Connected since",
  lastError: "Last error",
  lastPollAt: "Last poll",
  lastPoll: "Last poll",
  queuedRequests: "Queued requests",
  defaultParentCustomer: "Default parent customer for new jobs",
  changeNotifications: "Change notifications (webhooks)",
};

function statusText(status: string): string {
  return humanizeKey(status);
}

/**
 * The connection to start, if any: while nothing is connected, the first ERP choice the server gives a connect call
 * for; an OAuth ERP again when it was disconnected or its grant was revoked or expired. The request is the one the
 * server names (`connect`), never a path written here.
 */
export function connectionToStart(connection: Connection): { label: string; connect: ConnectRoute } | null {
  if (connection.type === null) {
    const choice = connection.choices?.find((c) => c.connect);
    return choice?.connect ? { label: choice.label, connect: choice.connect } : null;
  }
  if (connection.connectionFlow !== "oauth" || !connection.connect) return null;
  const health = String(connection.details?.tokenHealth ?? "");
  const needed = connection.status !== "connected" || /revoked|expired|invalid|reconnect/i.test(health);
  return needed ? { label: connection.label ?? connection.type, connect: connection.connect } : null;
}

function DetailValue({ name, value }: { name: string; value: unknown }) {
  if (typeof value === "string" && /(At|Poll)$/.test(name)) return <>{formatDateTime(value)}</>;
  return <ValueView name={name} value={value} nested />;
}

export function ConnectionCard({ connection }: { connection: Connection }) {
  const details = connection.details ?? {};
  // Empty facts (no last error, no poll yet) say nothing; leave them out.
  const present = (k: string) => details[k] !== null && details[k] !== undefined && details[k] !== "";
  const ordered = [
    ...Object.keys(KNOWN_DETAILS).filter((k) => k in details),
    ...Object.keys(details).filter((k) => !(k in KNOWN_DETAILS)),
  ].filter(present);
  return (
    <section
      className={`card connection connection-${connection.status}`}
      aria-labelledby="connection-heading"
    >
      <h2 id="connection-heading">
        {connection.type ? (connection.label ?? connection.type) : "No accounting system connected"}
      </h2>
      <p>
        Status: <span className={`pill pill-conn-${connection.status}`}>{statusText(connection.status)}</span>
      </p>
      {ordered.length > 0 ? (
        <dl className="fields">
          {ordered.map((key) => (
            <div className="field-pair" key={key}>
              <dt>{KNOWN_DETAILS[key] ?? humanizeKey(key)}</dt>
              <dd>
                <DetailValue name={key} value={details[key]} />
              </dd>
            </div>
          ))}
        </dl>
      ) : null}
    </section>
  );
}

export function ErpConnectionTab({ company }: { company: CompanyMembership }) {
  const c = company.id;
  const location = useLocation();
  const navigate = useNavigate();
  const params = new URLSearchParams(location.search);
  const [notice] = useState(() => ({
    connected: params.get("connected") === "1",
    error: params.get("error"),
    message: params.get("message"),
  }));
  const [confirming, setConfirming] = useState(false);
  const [credentials, setCredentials] = useState<{ username: string; password: string } | null>(null);

  const connection = useQuery({ queryKey: keys.connection(c), queryFn: () => getConnection(c) });
  const toStart = connection.data ? connectionToStart(connection.data) : null;
  const connect = useAction({
    run: (route: ConnectRoute) => startErpConnect(route),
    onSuccess: (result) => {
      window.location.href = result.authorizeUrl;
    },
  });
  const disconnect = useAction({
    run: () => disconnectErp(c),
    success: "QuickBooks disconnected.",
    invalidate: [keys.connection(c), ["budget", c]],
    onSuccess: () => setConfirming(false),
  });
  const newPassword = useAction({
    run: () => resetWebConnectorPassword(c),
    success: "A new Web Connector password was set.",
    invalidate: [keys.connection(c)],
    onSuccess: (result) => setCredentials(result),
  });

  const dismissNotice = () => navigate(location.pathname, { replace: true });

  return (
    <div className="stack">
      {notice.connected ? (
        <Notice tone="success" role="status">
          <p>QuickBooks Online is connected.</p>
          <button type="button" className="button button-small button-secondary" onClick={dismissNotice}>
            Dismiss
          </button>
        </Notice>
      ) : null}
      {notice.error ? (
        <Notice tone="error" role="alert">
          <p>
            QuickBooks was not connected: {notice.message ?? notice.error}{" "}
            <span className="mono muted">({notice.error})</span>
          </p>
          <button type="button" className="button button-small button-secondary" onClick={dismissNotice}>
            Dismiss
          </button>
        </Notice>
      ) : null}

      {connection.isPending ? (
        <Loading label="Loading connection…" />
      ) : connection.isError ? (
        <ErrorState error={connection.error} onRetry={() => connection.refetch()} />
      ) : (
        <>
          <ConnectionCard connection={connection.data} />
          <div className="toolbar">
            {toStart ? (
              <button
                type="button"
                className="button button-primary"
                disabled={connect.isPending}
                onClick={() => connect.mutate(toStart.connect)}
              >
                Connect to {toStart.label}
              </button>
            ) : null}
            {connection.data.type !== null && connection.data.status !== "disconnected" ? (
              <button
                type="button"
                className="button button-danger-quiet"
                onClick={() => setConfirming(true)}
              >
                Disconnect
              </button>
            ) : null}
          </div>

          {connection.data.connectionFlow === "agent_credentials" ? (
            <section className="card" aria-labelledby="qbwc-heading">
              <h2 id="qbwc-heading">QuickBooks Web Connector</h2>
              <p>
                Add the file below to the Web Connector on the computer that runs QuickBooks Desktop, then
                enter the password. Exports wait in the queue until the Web Connector polls.
              </p>
              <div className="toolbar">
                <a className="button button-secondary" href={qwcUrl(c)} download="costbridge.qwc">
                  Download Web Connector file (.qwc)
                </a>
                <button
                  type="button"
                  className="button button-secondary"
                  disabled={newPassword.isPending}
                  onClick={() => newPassword.mutate()}
                >
                  New password
                </button>
              </div>
              {credentials ? (
                <Notice tone="warning" role="status">
                  <p>
                    Enter this password in the Web Connector now: it is shown only once and replaces the
                    previous one.
                  </p>
                  <dl className="fields">
                    <div className="field-pair">
                      <dt>User name</dt>
                      <dd className="mono">{credentials.username}</dd>
                    </div>
                    <div className="field-pair">
                      <dt>Password</dt>
                      <dd className="mono secret">{credentials.password}</dd>
                    </div>
                  </dl>
                  <button
                    type="button"
                    className="button button-small button-secondary"
                    onClick={() => setCredentials(null)}
                  >
                    I have saved it
                  </button>
                </Notice>
              ) : null}
            </section>
          ) : null}
        </>
      )}

      {confirming ? (
        <Dialog
          title="Disconnect QuickBooks?"
          description="Exports stop until QuickBooks is connected again. Nothing already in QuickBooks is changed."
          onClose={() => setConfirming(false)}
          footer={
            <>
              <button type="button" className="button button-secondary" onClick={() => setConfirming(false)}>
                Cancel
              </button>
              <button
                type="button"
                className="button button-danger"
                disabled={disconnect.isPending}
                onClick={() => disconnect.mutate()}
              >
                Disconnect
              </button>
            </>
          }
        >
          <p>{company.name} will no longer send budgets to QuickBooks.</p>
        </Dialog>
      ) : null}
    </div>
  );
}
