import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Resolved from this file so the build works whatever directory it is started from.
const webRoot = fileURLToPath(new URL(".", import.meta.url));
const backend = "http://127.0.0.1:3000";

export default defineConfig({
  root: webRoot,
  base: "/",
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    host: "127.0.0.1",
    proxy: {
      "/api": { target: backend, changeOrigin: false },
      "/oauth": { target: backend, changeOrigin: false },
      "/emulators": { target: backend, changeOrigin: false },
    },
  },
});
