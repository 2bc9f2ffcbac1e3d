import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

const N = 16384;
const KEYLEN = 32;

function scryptAsync(password: string, salt: Buffer, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEYLEN, { N: n, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** `scrypt$N$salt$hash`, so the cost can be raised later without breaking stored hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, N);
  return `scrypt$${N}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

// What a check runs against when there is no stored hash (an unknown email, an account without a password): the
// same scrypt work at the same cost, so the answer takes as long whether or not the account exists.
const DUMMY_SALT = randomBytes(16);
const DUMMY_KEY = randomBytes(KEYLEN);
let checksRun = 0;

/** How many password checks ran scrypt in this process (each check does, whatever it is checked against). */
export function passwordChecksRun(): number {
  return checksRun;
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const [scheme, n, salt, hash] = (stored ?? "").split("$");
  const usable = scheme === "scrypt" && Boolean(n) && Boolean(salt) && Boolean(hash);
  checksRun++;
  const expected = usable ? Buffer.from(hash!, "base64url") : DUMMY_KEY;
  const actual = await scryptAsync(
    password,
    usable ? Buffer.from(salt!, "base64url") : DUMMY_SALT,
    usable ? Number(n) : N,
  );
  return usable && actual.length === expected.length && timingSafeEqual(actual, expected);
}

const COMMON = new Set([
  "password",
  "password1",
  "password123",
  "12345678",
  "123456789",
  "1234567890",
  "qwertyuiop",
  "qwerty123",
  "iloveyou",
  "letmein1",
  "welcome1",
  "admin123",
  "changeme",
  "costbridge",
  "football",
  "baseball",
  "sunshine",
  "princess",
  "trustno1",
  "abc12345",
  "11111111",
  "00000000",
  "passw0rd",
  "monkey123",
]);

/** Rejects only the obviously guessable: long enough, not a well-known password, not the email itself. */
export function checkPasswordStrength(password: string, email?: string): string | null {
  if (password.length < 10) return "Use at least 10 characters.";
  if (password.length > 200) return "Use at most 200 characters.";
  const lower = password.toLowerCase();
  if (COMMON.has(lower) || COMMON.has(lower.replace(/\d+$/, ""))) return "That password is too common.";
  if (/^(.)\1+$/.test(password)) return "Do not repeat one character.";
  if (email && lower.includes(email.toLowerCase().split("@")[0] ?? "\u0000")) {
    return "Do not use your email address in the password.";
  }
  return null;
}
