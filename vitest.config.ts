import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "server",
          include: ["src/**/*.test.ts", "emulators/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["node_modules/**", "test/e2e/**", "test/chaos/**"],
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: "forks",
        },
      },
      "web/vitest.config.ts",
    ],
  },
});
