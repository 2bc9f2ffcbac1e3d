import { createHmac, timingSafeEqual } from "node:crypto";
import { deriveKey } from "./secret-box.js";

const SIG_BYTES = 16;
const keys = new Map<string, Buffer>();

function keyFor(secretKey: string, purpose: string): Buffer {
  const id = `${purpose}\u0000${secretKey}`;
  let key = keys.get(id);
  if (!key) {
    key = deriveKey(secretKey, `signed-value:${purpose}`);
    keys.set(id, key);
  }
  return key;
}

function mac(secretKey: string, purpose: string, body: string): Buffer {
  return createHmac("sha256", keyFor(secretKey, purpose)).update(body).digest().subarray(0, SIG_BYTES);
}

/**
 * `<body>.<signature>` in base64url: the text cannot be changed, or made up, without the installation's
 * SECRET_KEY. `purpose` separates uses (a cursor of one list is not a cursor of another, nor a device cookie).
 */
export function signValue(secretKey: string, purpose: string, value: string): string {
  const body = Buffer.from(value, "utf8").toString("base64url");
  return `${body}.${mac(secretKey, purpose, body).toString("base64url")}`;
}

/** The value `signValue` signed for this purpose, or null for anything it did not hand out. */
export function openSignedValue(secretKey: string, purpose: string, signed: string): string | null {
  const dot = signed.indexOf(".");
  if (dot <= 0 || dot !== signed.lastIndexOf(".")) return null;
  const body = signed.slice(0, dot);
  const sig = Buffer.from(signed.slice(dot + 1), "base64url");
  if (sig.length !== SIG_BYTES || !timingSafeEqual(sig, mac(secretKey, purpose, body))) return null;
  return Buffer.from(body, "base64url").toString("utf8");
}
