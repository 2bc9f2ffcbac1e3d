import { sql } from "kysely";
import { newSecretToken } from "../lib/ids.js";
import { verifyPassword } from "../lib/passwords.js";
import { openSignedValue, signValue } from "../lib/signed-value.js";
import type { AppContext } from "./context.js";
import { AppError } from "./errors.js";

const WINDOW_SECONDS = 60;
const MAX_PER_ACCOUNT = 10;
const MAX_PER_ADDRESS = 50;
const MAX_PER_DEVICE = 10;
/** How long a device cookie lets its browser past a throttled account: renewed at every sign-in. */
export const DEVICE_TTL_SECONDS = 180 * 24 * 3600;
const DEVICE_PURPOSE = "device-cookie";

export interface SignedInUser {
  id: string;
  email: string;
  name: string;
}

/**
 * A device cookie: earned by a successful sign-in, it names the account it was earned for and is signed with the
 * installation's SECRET_KEY, so it cannot be made up. It is not a session (it signs nobody in); it only lets its
 * browser keep trying that account's password while strangers' guesses at the account are being refused.
 */
export function issueDeviceCookie(ctx: AppContext, userId: string): string {
  const expires = Math.floor(ctx.now().getTime() / 1000) + DEVICE_TTL_SECONDS;
  return signValue(ctx.config.secretKey, DEVICE_PURPOSE, `${userId} ${newSecretToken(12)} ${expires}`);
}

function readDeviceCookie(
  ctx: AppContext,
  cookie: string | undefined,
): { userId: string; device: string } | null {
  if (!cookie || cookie.length > 500) return null;
  const text = openSignedValue(ctx.config.secretKey, DEVICE_PURPOSE, cookie);
  const [userId, device, expires] = text?.split(" ") ?? [];
  if (!userId || !device || !expires || Number(expires) * 1000 <= ctx.now().getTime()) return null;
  return { userId, device };
}

/**
 * Checks an email and password. Failures are counted over a sliding minute (in PostgreSQL, so every web process
 * sees them): per account and per client address for strangers, and per device for a browser holding a device
 * cookie earned on that account. Past a limit the answer is 429 without checking the password; a device's own
 * count is apart, so guesses from elsewhere never lock the owner out of their usual browser. An unknown email
 * runs the same password hash as a known one: the answer takes as long either way.
 */
export async function signIn(
  ctx: AppContext,
  input: { email: string; password: string; clientAddress: string; deviceCookie?: string | undefined },
): Promise<SignedInUser> {
  const email = input.email.trim().toLowerCase();
  const since = new Date(ctx.now().getTime() - WINDOW_SECONDS * 1000);
  const device = readDeviceCookie(ctx, input.deviceCookie);
  // Attempts on one account take turns (a transaction-scoped advisory lock), so a burst of parallel guesses is
  // counted one by one and cannot slip past the limit together.
  const user = await ctx.db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`sign-in:${email}`}, 0))`.execute(tx);
    const found = await tx
      .selectFrom("users")
      .select(["id", "email", "name", "password_hash", "active"])
      .where((eb) => eb(eb.fn("lower", ["email"]), "=", email))
      .executeTakeFirst();
    const trusted = device !== null && found !== undefined && device.userId === found.id;
    const limits: [string, number][] = trusted
      ? [[`device:${device.device}`, MAX_PER_DEVICE]]
      : [
          [`account:${email}`, MAX_PER_ACCOUNT],
          [`address:${input.clientAddress}`, MAX_PER_ADDRESS],
        ];
    const keys = limits.map(([key]) => key);
    const counts = await tx
      .selectFrom("sign_in_failures")
      .select(["key", (eb) => eb.fn.countAll<string>().as("n")])
      .where("key", "in", keys)
      .where("at", ">", since)
      .groupBy("key")
      .execute();
    const count = (key: string) => Number(counts.find((c) => c.key === key)?.n ?? 0);
    if (limits.some(([key, max]) => count(key) >= max)) {
      throw new AppError("too_many_attempts", "Too many failed sign-ins. Wait a minute and try again.", {
        details: { retryAfterSeconds: WINDOW_SECONDS },
      });
    }
    // Unknown, deactivated and password-less accounts are checked against nothing, at the same cost.
    const matches = await verifyPassword(input.password, found?.active ? found.password_hash : null);
    if (!matches || !found) {
      await tx
        .insertInto("sign_in_failures")
        .values(keys.map((key) => ({ key, at: ctx.now() })))
        .execute();
      // Keep the table small: failures older than the window no longer matter.
      await tx.deleteFrom("sign_in_failures").where("at", "<", since).execute();
      return null;
    }
    // Signing in joins every company that added this account since: each sees them as active from now on.
    await tx
      .updateTable("directory_entries")
      .set({ joined_at: ctx.now() })
      .where("user_id", "=", found.id)
      .where("active", "=", true)
      .where("joined_at", "is", null)
      .execute();
    return found;
  });
  // The failure is recorded (committed) before the answer goes out.
  if (!user) throw new AppError("invalid_credentials", "The email or password is not right.");
  return { id: user.id, email: user.email, name: user.name };
}
