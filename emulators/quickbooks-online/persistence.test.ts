import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startQboEmulator } from "./index.js";
import { type AnyJson, authorize, json, REDIRECT_URI, RELAXED_LIMITS, tokenRequest } from "./test-support.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "qbo-emulator-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function estimateBody(customerId: string) {
  return {
    CustomerRef: { value: customerId },
    Line: [
      { DetailType: "SalesItemLineDetail", Amount: 10, SalesItemLineDetail: { ItemRef: { value: "3" } } },
    ],
  };
}

function call(url: string, realmId: string, token: string, method: string, path: string, body?: unknown) {
  return fetch(`${url}/v3/company/${realmId}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: "application/json",
      "content-type": "application/json",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe("persistence", () => {
  it("keeps realms, tokens, codes and the replay cache across a restart", async () => {
    const stateDir = tempDir();
    const first = await startQboEmulator({ port: 0, stateDir, limits: RELAXED_LIMITS });
    const realmId = first.emulator.defaultRealmId;
    const callback = await authorize(first.url);
    const tokens = await json(
      await tokenRequest(first.url, {
        grant_type: "authorization_code",
        code: callback.searchParams.get("code") as string,
        redirect_uri: REDIRECT_URI,
      }),
    );
    const pendingCode = (await authorize(first.url)).searchParams.get("code") as string;
    const created = await call(
      first.url,
      realmId,
      tokens.access_token,
      "POST",
      "/estimate?requestid=persist-1",
      estimateBody("2"),
    );
    const createdText = await created.text();
    await first.close();

    const second = await startQboEmulator({ port: 0, stateDir, limits: RELAXED_LIMITS });
    try {
      expect(second.emulator.defaultRealmId).toBe(realmId);
      const estimateId = JSON.parse(createdText).Estimate.Id;
      const read = await call(second.url, realmId, tokens.access_token, "GET", `/estimate/${estimateId}`);
      expect(read.status).toBe(200);
      const replay = await call(
        second.url,
        realmId,
        tokens.access_token,
        "POST",
        "/estimate?requestid=persist-1",
        estimateBody("2"),
      );
      expect(await replay.text()).toBe(createdText);
      expect(second.emulator.state().realms[realmId]?.Estimate).toHaveLength(1);
      const exchanged = await tokenRequest(second.url, {
        grant_type: "authorization_code",
        code: pendingCode,
        redirect_uri: REDIRECT_URI,
      });
      expect(exchanged.status).toBe(200);
      const refreshed = await tokenRequest(second.url, {
        grant_type: "refresh_token",
        refresh_token: tokens.refresh_token,
      });
      expect(refreshed.status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it("survives a crash: an acknowledged write is on disk before the response", async () => {
    const stateDir = tempDir();
    const script = fileURLToPath(new URL("./run.ts", import.meta.url));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", script, "--port", "0", "--state-dir", stateDir],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    try {
      const started: AnyJson = await new Promise((resolve, reject) => {
        let buffer = "";
        child.stdout.on("data", (chunk: Buffer) => {
          buffer += chunk.toString();
          const newline = buffer.indexOf("\n");
          if (newline !== -1) resolve(JSON.parse(buffer.slice(0, newline)));
        });
        child.once("exit", (code) => reject(new Error(`emulator exited early with ${code}`)));
      });
      const tokens = await json(await fetch(`${started.url}/__emulator/tokens/issue`, { method: "POST" }));
      const job = await json(
        await call(started.url, started.realmId, tokens.access_token, "POST", "/customer", {
          DisplayName: "Crash Test Job",
          ParentRef: { value: "1" },
        }),
      );
      expect(job.Customer.FullyQualifiedName).toBe("Acme Builders Jobs:Crash Test Job");
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }

    expect(readdirSync(stateDir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    const restarted = await startQboEmulator({ port: 0, stateDir, limits: RELAXED_LIMITS });
    try {
      const customers = restarted.emulator.state().realms[restarted.emulator.defaultRealmId]
        ?.Customer as AnyJson[];
      expect(customers.map((c) => c.DisplayName)).toContain("Crash Test Job");
    } finally {
      await restarted.close();
    }
  });

  it("without a state directory starts fresh every time", async () => {
    const first = await startQboEmulator({ port: 0 });
    first.emulator.seedRealm();
    expect(Object.keys(first.emulator.state().realms)).toHaveLength(2);
    await first.close();
    const second = await startQboEmulator({ port: 0 });
    expect(Object.keys(second.emulator.state().realms)).toHaveLength(1);
    await second.close();
  });
});
