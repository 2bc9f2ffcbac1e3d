import { z } from "zod";
import { handleQbwcCall, resetWebConnectorPassword, webConnectorFile } from "../../app/erp/qbd/index.js";
import {
  parseSoapCall,
  qbwcWsdl,
  SoapRequestError,
  soapFault,
  soapResult,
} from "../../erp/quickbooks-desktop/soap.js";
import type { RouteModule } from "../app.js";
import { actorOf } from "../auth.js";

const base = "/api/v1/companies/:companyId/erp";
const params = z.object({ companyId: z.string().min(1).max(100) });
const tags = ["erp-integrations"];
const XML = "text/xml; charset=utf-8";

/** The Web Connector SOAP service (`/qbwc`) and the QuickBooks Desktop connection routes. */
export const qbwcRoutes: RouteModule = (app, ctx) => {
  const serviceUrl = `${ctx.config.publicUrl.replace(/\/+$/, "")}/qbwc`;

  // The WSDL answers any GET: `?wsdl` is what SOAP tools ask for, and the Web Connector only ever posts.
  app.get("/qbwc", { schema: { hide: true } }, async (_req, reply) =>
    reply.type(XML).send(qbwcWsdl(serviceUrl)),
  );

  app.post(
    "/qbwc",
    // A query answer for a large estimate can be several megabytes of qbXML, escaped inside the envelope.
    { schema: { hide: true }, bodyLimit: 32 * 1024 * 1024 },
    async (req, reply) => {
      const body = typeof req.body === "string" ? req.body : "";
      let call: ReturnType<typeof parseSoapCall>;
      try {
        call = parseSoapCall(body);
      } catch (e) {
        if (!(e instanceof SoapRequestError)) throw e;
        return reply.status(500).type(XML).send(soapFault("soap:Client", e.message));
      }
      try {
        const result = await handleQbwcCall(ctx, call, { clientAddress: req.ip });
        return reply.type(XML).send(soapResult(call.method, result));
      } catch (e) {
        req.log.error({ err: e, method: call.method }, "Web Connector call failed");
        return reply
          .status(500)
          .type(XML)
          .send(
            soapFault(
              "soap:Server",
              "Costbridge could not handle the call; the Web Connector will try again at its next run.",
            ),
          );
      }
    },
  );

  app.post(
    `${base}/connection/quickbooks-desktop/password`,
    {
      schema: {
        tags,
        summary: "Set a new Web Connector password (shown once); connects QuickBooks Desktop",
        params,
        response: { 200: z.object({ username: z.string(), password: z.string() }) },
      },
    },
    async (req) => resetWebConnectorPassword(ctx, actorOf(req), req.params.companyId),
  );

  app.get(
    `${base}/connection/quickbooks-desktop/qwc`,
    { schema: { tags, summary: "The Web Connector file (.qwc) for QuickBooks Desktop", params } },
    async (req, reply) => {
      const file = await webConnectorFile(ctx, actorOf(req), req.params.companyId);
      return reply
        .type("application/xml; charset=utf-8")
        .header("content-disposition", `attachment; filename="${file.filename}"`)
        .header("cache-control", "no-store")
        .send(file.xml);
    },
  );
};
