import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../app/context.js";

export interface DemoExtras {
  mounts: { prefix: string; plugin: FastifyPluginAsync }[];
  afterListen(): Promise<void>;
  stop(): Promise<void>;
}

/** Demo mode's built-in outside world: the QuickBooks emulators and the mail catcher. */
export async function demoExtras(_ctx: AppContext): Promise<DemoExtras> {
  return { mounts: [], afterListen: async () => {}, stop: async () => {} };
}
