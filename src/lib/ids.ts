import { createHash, randomBytes } from "node:crypto";

/** Opaque, URL-safe ids with a readable prefix (`prj_…`), sortable enough for humans, never guessable. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString("base64url")}`;
}

export function newSecretToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
