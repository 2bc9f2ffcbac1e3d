import { fileURLToPath } from "node:url";
import { defineConfig } from "@playwright/test";

// `npm run test:e2e` (bin/run-e2e.js) starts the product and passes its address; nothing here starts a server.
const baseURL = process.env.E2E_BASE_URL;
if (!baseURL) throw new Error("E2E_BASE_URL is not set: run the journeys with `npm run test:e2e`");

const results = (sub: string) => fileURLToPath(new URL(`../../test-results/${sub}`, import.meta.url));

export default defineConfig({
  testDir: fileURLToPath(new URL(".", import.meta.url)),
  testMatch: "*.spec.ts",
  // One folder per run (failure screenshots, traces), so two runs in one checkout never delete each other's files.
  outputDir: results(`playwright/${process.env.E2E_RUN_ID ?? "run"}`),
  // Journeys never depend on each other's order, but they share one QuickBooks company: disconnecting it or
  // injecting a fault in one would reach into another running beside it, so they run one at a time.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  forbidOnly: Boolean(process.env.CI),
  use: {
    baseURL,
    viewport: { width: 1440, height: 900 },
    locale: "en-US",
    timezoneId: "America/Chicago",
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    actionTimeout: 10_000,
    navigationTimeout: 20_000,
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
