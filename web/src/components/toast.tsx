import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { createPortal } from "react-dom";
import { useLocation } from "../router.js";
import { Portal } from "./portal.js";

type Tone = "success" | "error" | "info";

interface Toast {
  id: number;
  tone: Tone;
  message: string;
  /** The page it was said on: it leaves when the reader goes to another. */
  path: string;
}

interface ToastApi {
  success: (message: string) => void;
  error: (message: string) => void;
  info: (message: string) => void;
}

const ToastContext = createContext<ToastApi>({ success: () => {}, error: () => {}, info: () => {} });
const OutletContext = createContext<(element: HTMLElement | null) => void>(() => {});

export function useToast(): ToastApi {
  return useContext(ToastContext);
}

const LIFETIME_MS: Record<Tone, number> = { success: 6000, info: 6000, error: 10000 };

/**
 * Notifications take their own place in the page, at the top of its content, so they never lie over a button or a
 * row. While a dialog holds the page (the page is inert then) they show over it instead.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [outlet, setOutlet] = useState<HTMLElement | null>(null);
  const nextId = useRef(1);
  const { pathname } = useLocation();
  const path = useRef(pathname);
  path.current = pathname;

  // Going to another page takes the old page's notifications with it.
  useEffect(() => {
    setToasts((all) => (all.some((t) => t.path !== pathname) ? all.filter((t) => t.path === pathname) : all));
  }, [pathname]);

  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);

  const push = useCallback(
    (tone: Tone, message: string) => {
      const id = nextId.current++;
      // Three at most: a burst of actions should not bury the page under notifications.
      setToasts((all) => [...all.slice(-2), { id, tone, message, path: path.current }]);
      window.setTimeout(() => dismiss(id), LIFETIME_MS[tone]);
    },
    [dismiss],
  );

  const api = useMemo<ToastApi>(
    () => ({
      success: (m) => push("success", m),
      error: (m) => push("error", m),
      info: (m) => push("info", m),
    }),
    [push],
  );

  const pageInert =
    typeof document !== "undefined" && Boolean(document.getElementById("root")?.hasAttribute("inert"));
  const regions = (
    <>
      {/* Two live regions: errors interrupt, confirmations wait their turn. */}
      <div className="toasts" aria-live="polite" role="status">
        {toasts
          .filter((t) => t.tone !== "error")
          .map((t) => (
            <ToastView key={t.id} toast={t} onDismiss={dismiss} />
          ))}
      </div>
      <div className="toasts toasts-errors" aria-live="assertive" role="alert">
        {toasts
          .filter((t) => t.tone === "error")
          .map((t) => (
            <ToastView key={t.id} toast={t} onDismiss={dismiss} />
          ))}
      </div>
    </>
  );

  return (
    <ToastContext.Provider value={api}>
      <OutletContext.Provider value={setOutlet}>{children}</OutletContext.Provider>
      {outlet && !pageInert ? (
        createPortal(regions, outlet)
      ) : (
        <Portal>
          <div className="toasts-floating">{regions}</div>
        </Portal>
      )}
    </ToastContext.Provider>
  );
}

/** Where the page's notifications go: the top of the main content. */
export function ToastOutlet() {
  const register = useContext(OutletContext);
  const ref = useCallback((element: HTMLDivElement | null) => register(element), [register]);
  return <div ref={ref} className="toast-outlet" />;
}

function ToastView({ toast, onDismiss }: { toast: Toast; onDismiss: (id: number) => void }) {
  return (
    <div className={`toast toast-${toast.tone}`}>
      <span>{toast.message}</span>
      <button
        type="button"
        className="toast-dismiss"
        aria-label="Dismiss notification"
        onClick={() => onDismiss(toast.id)}
      >
        ×
      </button>
    </div>
  );
}
