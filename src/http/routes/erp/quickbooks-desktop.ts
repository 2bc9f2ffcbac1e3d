import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { handleQbwcCall, resetWebConnectorPassword, webConnectorFile } from "../../../app/erp/qbd/index.js";
import {
  parseSoapCall,
  qbwcWsdl,
  SoapRequestError,
  SoapTooLarge,
  soapFault,
  soapResult,
} from "../../../erp/quickbooks-desktop/soap.js";
import type { RouteModule } from "../../app.js";
import { actorOf } from "../../auth.js";
import { BODY_LIMITS, discardUnreadBody } from "../../limits.js";
import * as S from "../../schemas.js";

const base = "/api/v1/companies/:companyId/erp";
const params = z.object({ companyId: z.string().min(1).max(100) });
const tags = ["erp-integrations"];
const XML = "text/xml; charset=utf-8";

/**
 * What is refused before the handler runs (a body over the limit, a media type nobody parses) is answered as the
 * Web Connector reads answers: a SOAP fault, with the 4xx status.
 */
async function qbwcBodyErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  await discardUnreadBody(req.raw);
  const tooLarge = err.code === "FST_ERR_CTP_BODY_TOO_LARGE" || err.statusCode === 413;
  const status = tooLarge ? 413 : err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
  const message = tooLarge
    ? "The request is larger than a Web Connector call."
    : status < 500
      ? `The request cannot be read: ${err.message}`
      : "Costbridge could not handle the call; the Web Connector will try again at its next run.";
  return reply
    .status(status)
    .type(XML)
    .send(soapFault(status < 500 ? "soap:Client" : "soap:Server", message));
}

/** The Web Connector SOAP service (`/qbwc`) and the QuickBooks Desktop connection routes. */
export const qbwcRoutes: RouteModule = (app, ctx) => {
  const serviceUrl = `${ctx.config.publicUrl.replace(/\/+$/, "")}/qbwc`;

  // The WSDL answers any GET: `?wsdl` is what SOAP tools ask for, and the Web Connector only ever posts.
  app.get("/qbwc", { schema: { hide: true } }, async (_req, reply) =>
    reply.type(XML).send(qbwcWsdl(serviceUrl)),
  );

  app.post(
    "/qbwc",
    // A query answer for a large estimate can be a few megabytes of qbXML, escaped inside the envelope. A bigger
    // body, or one with more elements or nesting than a Web Connector call has, is a SOAP fault before any tree.
    { schema: { hide: true }, bodyLimit: BODY_LIMITS.qbwc, errorHandler: qbwcBodyErrors },
    async (req, reply) => {
      const body = typeof req.body === "string" ? req.body : "";
      let call: ReturnType<typeof parseSoapCall>;
      try {
        call = parseSoapCall(body);
      } catch (e) {
        if (!(e instanceof SoapRequestError)) throw e;
        return reply
          .status(e instanceof SoapTooLarge ? 413 : 500)
          .type(XML)
          .send(soapFault("soap:Client", e.message));
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
        response: S.answers({ 200: S.webConnectorPasswordResponse }),
      },
    },
    async (req) => resetWebConnectorPassword(ctx, actorOf(req), req.params.companyId),
  );

  app.get(
    `${base}/connection/quickbooks-desktop/qwc`,
    {
      schema: {
        response: S.answers({ 200: S.fileBody }),
        tags,
        summary: "The Web Connector file (.qwc) for QuickBooks Desktop",
        params,
      },
    },
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
