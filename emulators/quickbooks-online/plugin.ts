import type { FastifyError, FastifyPluginAsync } from "fastify";
import { registerApiRoutes } from "./api-routes.js";
import { registerControlRoutes } from "./control-routes.js";
import type { EmulatorCore } from "./core.js";
import { faultBody, QboFault } from "./faults.js";
import { relativePath, requestFacts, sendJson, sendRaw } from "./http-util.js";
import { registerOAuthRoutes } from "./oauth-routes.js";
import { formatTimestamp } from "./time.js";

export function createPlugin(core: EmulatorCore): FastifyPluginAsync {
  return async (app) => {
    const prefix = app.prefix;

    // Bodies are kept as text: the token endpoint takes forms, queries take application/text, entities take JSON,
    // and each answers malformed input in its own format. Scoped to this plugin, so the host app is unaffected.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body));

    // Persist before the response leaves, so an acknowledged change survives a crash.
    app.addHook("onSend", async (_request, _reply, payload) => {
      core.flush();
      return payload;
    });

    app.addHook("onResponse", async (request, reply) => {
      const { path, pathWithQuery } = relativePath(request, prefix);
      if (path.startsWith("/__emulator")) return;
      const facts = requestFacts(request);
      if (facts.logged) return;
      facts.logged = true;
      core.record({
        method: request.method,
        path,
        query: pathWithQuery.length > path.length ? pathWithQuery.slice(path.length + 1) : "",
        requestid: facts.requestid,
        status: reply.statusCode,
        replayed: facts.replayed,
        realmId: facts.realmId,
        at: new Date(core.nowMs()).toISOString(),
      });
    });

    app.setErrorHandler((error: FastifyError, request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
      const { path } = relativePath(request, prefix);
      if (path.startsWith("/v3/")) {
        const fault =
          status >= 500
            ? new QboFault("10000", "System Failure Error: An unexpected error occurred.", "", {
                status,
                type: "SystemFault",
              })
            : new QboFault("2010", `Property Name:${error.message} specified value is not supported`, "", {
                status,
              });
        return sendRaw(
          reply,
          status,
          "application/json",
          JSON.stringify(faultBody(fault, formatTimestamp(core.nowMs(), true))),
        );
      }
      return sendJson(reply, status, {
        error: {
          code: status >= 500 ? "internal_error" : "bad_request",
          message: status >= 500 ? "Internal error." : error.message,
        },
      });
    });

    registerOAuthRoutes(app, core, prefix);
    registerApiRoutes(app, core, prefix);
    registerControlRoutes(app, core);
  };
}
