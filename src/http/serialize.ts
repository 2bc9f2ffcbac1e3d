import type { FastifySerializerCompiler } from "fastify";
import { type ZodType, z } from "zod";

/**
 * How answers are written. A route's response schema describes its answer (for the OpenAPI document and the web
 * client's types); the answer itself is written as the use case made it, so no field is ever dropped on the way
 * out. With `check` on (the test suite) every answer is also held to its schema: a field of the wrong type, a
 * missing one, or one the schema does not describe fails the request, naming the route and the field.
 */
export function responseSerializer(check: boolean): FastifySerializerCompiler<ZodType> {
  return ({ schema, method, url, httpStatus }) =>
    (data) => {
      const text = JSON.stringify(data);
      if (!check || text === undefined) return text;
      const sent: unknown = JSON.parse(text);
      const where = `${method} ${url} → ${httpStatus}`;
      const result = schema.safeParse(sent);
      if (!result.success) {
        throw new Error(`${where}: the answer does not match its schema:\n${z.prettifyError(result.error)}`);
      }
      const extra = undescribed(sent, result.data, "");
      if (extra.length > 0) {
        throw new Error(`${where}: the response schema does not describe ${extra.join(", ")}`);
      }
      return text;
    };
}

/** The paths of `sent` that parsing dropped (fields the schema does not name). */
function undescribed(sent: unknown, parsed: unknown, at: string): string[] {
  if (Array.isArray(sent) && Array.isArray(parsed)) {
    return [...new Set(sent.flatMap((v, i) => undescribed(v, parsed[i], `${at}[]`)))];
  }
  if (sent && parsed && typeof sent === "object" && typeof parsed === "object") {
    const kept = parsed as Record<string, unknown>;
    return Object.entries(sent as Record<string, unknown>).flatMap(([k, v]) =>
      k in kept ? undescribed(v, kept[k], `${at}.${k}`) : [`${at}.${k}`],
    );
  }
  return [];
}
