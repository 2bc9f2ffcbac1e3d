import type { AddCommand } from "./extra-commands.js";

/** `costbridge emulator quickbooks-online --port N`: the QuickBooks Online emulator on its own. */
export const emulatorCommand: AddCommand = (program) => {
  const emulator = program.command("emulator").description("run a QuickBooks emulator standalone");
  emulator
    .command("quickbooks-online")
    .description("the QuickBooks Online API and Intuit OAuth emulator")
    .option("--port <port>", "port to listen on", "4010")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--client-id <id>", "OAuth client id", "demo-client-id")
    .option("--client-secret <secret>", "OAuth client secret", "demo-client-secret")
    .option("--state-dir <dir>", "keep the emulator's companies and tokens in this folder")
    .action(
      async (opts: {
        port: string;
        host: string;
        clientId: string;
        clientSecret: string;
        stateDir?: string;
      }) => {
        const { startQboEmulator } = await import("../../emulators/quickbooks-online/index.js");
        const started = await startQboEmulator({
          port: Number(opts.port),
          host: opts.host,
          clientId: opts.clientId,
          clientSecret: opts.clientSecret,
          ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
        });
        process.stdout.write(
          `QuickBooks Online emulator at ${started.url} (realm ${started.emulator.defaultRealmId}, client ${opts.clientId})\n` +
            `Point Costbridge at it with QUICKBOOKS_ENVIRONMENT=${started.url} QUICKBOOKS_CLIENT_ID=${opts.clientId} QUICKBOOKS_CLIENT_SECRET=${opts.clientSecret}\n`,
        );
        const stop = () => void started.close().then(() => process.exit(0));
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      },
    );
};
