// Standalone entry point: `npx tsx emulators/quickbooks-online/run.ts --port 4010 [--state-dir DIR]`.
import { parseArgs } from "node:util";
import { startQboEmulator } from "./index.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4010" },
    host: { type: "string", default: "127.0.0.1" },
    "client-id": { type: "string" },
    "client-secret": { type: "string" },
    "state-dir": { type: "string" },
  },
});

const started = await startQboEmulator({
  port: Number(values.port),
  host: values.host,
  clientId: values["client-id"],
  clientSecret: values["client-secret"],
  stateDir: values["state-dir"],
});

process.stdout.write(`${JSON.stringify({ url: started.url, realmId: started.emulator.defaultRealmId })}\n`);

const stop = () => {
  started.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
