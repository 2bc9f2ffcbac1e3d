import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type APIRequestContext, type Browser, expect, type Page, type TestInfo } from "@playwright/test";

export const PASSWORD = "demo";
export const QBO = "/emulators/quickbooks-online";

const SCREENSHOTS = fileURLToPath(new URL("../../test-results/screenshots/", import.meta.url));
mkdirSync(SCREENSHOTS, { recursive: true });

export const DESKTOP = { width: 1440, height: 900 };
export const MOBILE = { width: 390, height: 844 };

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/**
 * Saves what the user sees now as test-results/screenshots/<journey file>--<step>.png, and with `mobile` also the same
 * screen at phone size (then back to the desktop size).
 */
export async function snap(page: Page, info: TestInfo, step: string, opts: { mobile?: boolean } = {}) {
  const journey = path.basename(info.file).replace(/\.spec\.ts$/, "");
  const base = `${journey}--${slug(step)}`;
  await page.screenshot({ path: `${SCREENSHOTS}${base}.png`, fullPage: true, animations: "disabled" });
  if (opts.mobile) {
    const size = page.viewportSize() ?? DESKTOP;
    await page.setViewportSize(MOBILE);
    await page.screenshot({
      path: `${SCREENSHOTS}${base}--mobile.png`,
      fullPage: true,
      animations: "disabled",
    });
    await page.setViewportSize(size);
  }
}

/** A short suffix that keeps names made by one journey apart from every other journey and run. */
export function unique(): string {
  return `${Date.now().toString(36).slice(-4)}${Math.random().toString(36).slice(2, 5)}`.toUpperCase();
}

export async function signIn(page: Page, email: string, path = "/") {
  await page.goto(path === "/" ? "/signin" : `/signin?next=${encodeURIComponent(path)}`);
  await page.getByRole("textbox", { name: "Email" }).fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).not.toHaveURL(/\/signin/);
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

/** A fresh browser context per person, so two people can be signed in side by side in one journey. */
export async function signedInPage(browser: Browser, email: string, path = "/"): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, email, path);
  return page;
}

/** The REST API as one demo user (bearer token), for setting the scene before a journey. */
export class Api {
  private constructor(
    private readonly request: APIRequestContext,
    private readonly token: string,
    readonly companyId: string,
  ) {}

  static async as(request: APIRequestContext, email: string, companyName = "Acme Builders"): Promise<Api> {
    const auth = await request.post("/api/v1/auth/token", { data: { email, password: PASSWORD } });
    expect(auth.status(), `sign-in of ${email}`).toBe(200);
    const { token } = (await auth.json()) as { token: string };
    const me = await request.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });
    const { companies } = (await me.json()) as { companies: { id: string; name: string }[] };
    const company = companies.find((c) => c.name === companyName);
    if (!company) throw new Error(`${email} is not in ${companyName}`);
    return new Api(request, token, company.id);
  }

  private headers() {
    return { authorization: `Bearer ${this.token}` };
  }

  async call<T>(
    method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
    path: string,
    data?: unknown,
  ): Promise<T> {
    const url = path.startsWith("/api/") ? path : `/api/v1/companies/${this.companyId}${path}`;
    const response = await this.request.fetch(url, { method, headers: this.headers(), data });
    const text = await response.text();
    if (!response.ok()) throw new Error(`${method} ${url} → ${response.status()}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async postCsv<T>(path: string, csv: string): Promise<{ status: number; body: T }> {
    const response = await this.request.post(`/api/v1/companies/${this.companyId}${path}`, {
      headers: { ...this.headers(), "content-type": "text/csv" },
      data: csv,
    });
    return { status: response.status(), body: (await response.json()) as T };
  }
}

export interface Project {
  id: string;
  number: string;
  name: string;
}

/** A new project (created by the company admin through the API) with an empty budget. */
export async function newProject(request: APIRequestContext, label: string): Promise<Project> {
  const admin = await Api.as(request, "admin@acme.test");
  const id = unique();
  return admin.call<Project>("POST", "/projects", { number: `E${id}`, name: `${label} ${id}` });
}

export async function projectByNumber(api: Api, number: string): Promise<Project> {
  const page = await api.call<{ items: Project[] }>("GET", "/projects?limit=200");
  const project = page.items.find((p) => p.number === number);
  if (!project) throw new Error(`no project ${number}`);
  return project;
}

export const budgetPath = (project: Project) => `/projects/${project.id}/budget`;

export interface LineInput {
  costCode: string;
  category: string;
  originalBudget: string;
}

export const SAMPLE_LINES: LineInput[] = [
  { costCode: "01-100", category: "L", originalBudget: "12500.00" },
  { costCode: "03-300", category: "M", originalBudget: "48250.50" },
  { costCode: "26-100", category: "S", originalBudget: "31000.00" },
];

/**
 * A new project whose budget the PM built, locked and sent through the API: one submission Ready to Export.
 * Returns the project and the revised total the approver should see.
 */
export async function sentBudget(
  request: APIRequestContext,
  label: string,
  lines: LineInput[] = SAMPLE_LINES,
): Promise<Project> {
  const project = await newProject(request, label);
  const pm = await Api.as(request, "pm@acme.test");
  for (const line of lines) await pm.call("POST", `${budgetPath(project)}/lines`, line);
  await pm.call("POST", `${budgetPath(project)}/lock`);
  await pm.call("POST", `${budgetPath(project)}/send-to-erp`);
  return project;
}

export const budgetUrl = (companyId: string, project: Project) =>
  `/companies/${companyId}/projects/${project.id}/budget`;
export const erpUrl = (companyId: string, filter?: string) =>
  `/companies/${companyId}/erp${filter ? `?filter=${encodeURIComponent(filter)}` : ""}`;

// The QuickBooks Online emulator's control plane (mounted in the demo).

export interface QboEstimate {
  Id: string;
  DocNumber?: string;
  TotalAmt: number;
  PrivateNote?: string;
  CustomerRef: { value: string; name?: string };
  Line: { Amount: number; DetailType: string }[];
}

export async function qboEstimates(request: APIRequestContext): Promise<QboEstimate[]> {
  const response = await request.get(`${QBO}/__emulator/state`);
  expect(response.status()).toBe(200);
  const state = (await response.json()) as { realms: Record<string, { Estimate?: QboEstimate[] }> };
  return Object.values(state.realms).flatMap((realm) => realm.Estimate ?? []);
}

export async function qboFault(request: APIRequestContext, fault: Record<string, unknown>) {
  const response = await request.post(`${QBO}/__emulator/faults`, { data: fault });
  expect(response.status()).toBe(201);
}

/** The row of a list table that names the project. */
export function rowOf(page: Page, project: Project) {
  return page.getByRole("row").filter({ hasText: project.name });
}
