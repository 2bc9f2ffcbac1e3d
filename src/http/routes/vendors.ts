import { z } from "zod";
import { createVendor, listVendors, updateVendor } from "../../app/company/vendors.js";
import type { RouteModule } from "../app.js";
import { actorOf } from "../auth.js";
import * as S from "../schemas.js";

const base = "/api/v1/companies/:companyId/vendors";
const params = z.object({ companyId: z.string().min(1).max(100) });
const vendorParams = params.extend({ vendorId: z.string().min(1).max(100) });
const tags = ["vendors"];
// The lengths the directory keeps (migrations/0014); blank optional text clears the field.
const text = (max: number) => z.string().max(max).nullable().optional();
const address = z
  .strictObject({
    line1: text(200),
    city: text(100),
    region: text(100),
    postalCode: text(30),
    country: text(100),
  })
  .nullable()
  .optional();
const email = z
  .string()
  .trim()
  .max(254)
  .refine((v) => v === "" || /^[^\s@]+@[^\s@]+$/.test(v), "an email address such as ap@vendor.com")
  .nullable()
  .optional();
const fields = {
  contactName: text(100),
  email,
  phone: text(30),
  address,
};

export const vendorRoutes: RouteModule = (app, ctx) => {
  app.get(
    base,
    {
      schema: {
        response: S.answers({ 200: S.vendorListResponse }),
        tags,
        summary: "The company's vendors (subcontractors and suppliers)",
        params,
        querystring: z.strictObject({ includeInactive: z.enum(["true", "false"]).default("false") }),
      },
    },
    async (req) =>
      listVendors(ctx, actorOf(req), req.params.companyId, {
        includeInactive: req.query.includeInactive === "true",
      }),
  );
  app.post(
    base,
    {
      schema: {
        response: S.answers({ 201: S.vendorResponse }),
        tags,
        summary: "Add a vendor (directory or ERP admin)",
        description:
          "A name another vendor of the company already has (ignoring case) is refused: 409 vendor_name_taken.",
        params,
        body: z.strictObject({ name: z.string().max(100), ...fields }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await createVendor(ctx, actorOf(req), req.params.companyId, req.body)),
  );
  app.patch(
    `${base}/:vendorId`,
    {
      schema: {
        response: S.answers({ 200: S.vendorResponse }),
        tags,
        summary: "Edit, deactivate or reactivate a vendor (directory or ERP admin)",
        params: vendorParams,
        body: z.strictObject({
          name: z.string().max(100).optional(),
          ...fields,
          active: z.boolean().optional(),
        }),
      },
    },
    async (req) => updateVendor(ctx, actorOf(req), req.params.companyId, req.params.vendorId, req.body),
  );
};
