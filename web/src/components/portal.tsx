import type { ReactNode } from "react";
import { createPortal } from "react-dom";

/** Overlays live outside #root so the page behind them can be made inert while they are open. */
export function Portal({ children }: { children: ReactNode }) {
  if (typeof document === "undefined") return null;
  return createPortal(children, document.body);
}
