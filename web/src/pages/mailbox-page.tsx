import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { getMailbox, keys, type MailItem } from "../api.js";
import { PageHeader } from "../components/page-header.js";
import { EmptyState, ErrorState, Loading } from "../components/ui.js";
import { formatDateTime } from "../format.js";

/** Links in a message open in a new tab; scripts never run (the frame is sandboxed without allow-scripts). */
export function messageDocument(html: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><base target="_blank"><meta name="viewport" content="width=device-width"><style>body{font-family:system-ui,sans-serif;margin:16px;color:#1f2933;overflow-wrap:anywhere}img,table{max-width:100%}</style></head><body>${html}</body></html>`;
}

export function MailboxPage() {
  const mailbox = useQuery({ queryKey: keys.mailbox, queryFn: getMailbox, refetchInterval: 3000 });
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const items = [...(mailbox.data?.items ?? [])].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
  const selected = items.find((m) => m.id === selectedId) ?? null;
  const reader = useRef<HTMLDivElement>(null);
  // Opening a message brings it into view (below the list on a phone) and moves focus to its subject.
  useEffect(() => {
    if (!selectedId) return;
    const heading = reader.current?.querySelector<HTMLElement>("h2");
    heading?.focus({ preventScroll: true });
    reader.current?.scrollIntoView({ block: "start" });
  }, [selectedId]);

  return (
    <>
      <PageHeader
        title="Mailbox"
        kicker="Demo: the emails the product sent you (a Directory Admin also sees their company's people's)"
      />
      {mailbox.isPending ? (
        <Loading label="Loading mailbox…" />
      ) : mailbox.isError ? (
        <ErrorState error={mailbox.error} onRetry={() => mailbox.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title="No email yet.">
          <p>
            Emails addressed to you show up here within seconds: a rejection of a budget you sent, the daily
            summary if you approve, an invitation you sent as a Directory Admin.
          </p>
        </EmptyState>
      ) : (
        <div className="mailbox">
          <div className="table-wrap mailbox-list">
            <table className="table table-compact">
              <caption className="sr-only">Messages, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Subject</th>
                  <th scope="col">To</th>
                  <th scope="col">Received</th>
                </tr>
              </thead>
              <tbody>
                {items.map((m) => (
                  <tr key={m.id} className={m.id === selectedId ? "is-selected" : undefined}>
                    <td>
                      <button
                        type="button"
                        className="link-button"
                        aria-pressed={m.id === selectedId}
                        onClick={() => setSelectedId(m.id)}
                      >
                        {m.subject || "(no subject)"}
                      </button>
                    </td>
                    <td className="small">{m.to.join(", ")}</td>
                    <td className="small">{formatDateTime(m.receivedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="mailbox-reader" ref={reader}>
            {selected ? (
              <MessageView message={selected} />
            ) : (
              <p className="muted">Choose a message to read it.</p>
            )}
          </div>
        </div>
      )}
    </>
  );
}

function MessageView({ message }: { message: MailItem }) {
  const [showText, setShowText] = useState(false);
  const hasHtml = Boolean(message.html);
  return (
    <article className="card message" aria-labelledby="message-subject">
      <h2 id="message-subject" tabIndex={-1}>
        {message.subject || "(no subject)"}
      </h2>
      <dl className="fields fields-inline">
        <div className="field-pair">
          <dt>From</dt>
          <dd>{message.from}</dd>
        </div>
        <div className="field-pair">
          <dt>To</dt>
          <dd>{message.to.join(", ")}</dd>
        </div>
        <div className="field-pair">
          <dt>Received</dt>
          <dd>{formatDateTime(message.receivedAt)}</dd>
        </div>
      </dl>
      {hasHtml && message.text ? (
        <button
          type="button"
          className="button button-small button-secondary"
          onClick={() => setShowText((v) => !v)}
        >
          {showText ? "Show formatted message" : "Show plain text"}
        </button>
      ) : null}
      {hasHtml && !showText ? (
        <MessageFrame message={message} />
      ) : (
        <pre className="message-text">{message.text ?? ""}</pre>
      )}
    </article>
  );
}

/**
 * The message as its HTML lays it out, as tall as its content (no frame with a scroll bar of its own). Scripts never
 * run in it: the sandbox lets the page measure the document, not the document act.
 */
function MessageFrame({ message }: { message: MailItem }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState<number | null>(null);
  const measure = useCallback(() => {
    const doc = frame.current?.contentDocument;
    if (doc?.documentElement) setHeight(doc.documentElement.scrollHeight);
  }, []);
  useEffect(() => {
    window.addEventListener("resize", measure);
    return () => window.removeEventListener("resize", measure);
  }, [measure]);
  return (
    <iframe
      ref={frame}
      className="message-frame"
      title={`Message: ${message.subject}`}
      sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"
      srcDoc={messageDocument(message.html ?? "")}
      style={height ? { height: `${height + 2}px` } : undefined}
      onLoad={measure}
    />
  );
}
