import { sql } from "kysely";
import { verifyPassword } from "../lib/passwords.js";
import type { AppContext } from "./context.js";
import { AppError } from "./errors.js";

const WINDOW_SECONDS = 60;
const MAX_PER_ACCOUNT = 10;
const MAX_PER_ADDRESS = 50;

export interface SignedInUser {
  id: string;
  email: string;
  name: string;
}

/**
 * Checks an email and password. Failures are counted per account and per client address over a sliding minute
 * (in PostgreSQL, so every web process sees them); past the limit the answer is 429 without checking the password.
 */
export async function signIn(
  ctx: AppContext,
  input: { email: string; password: string; clientAddress: string },
): Promise<SignedInUser> {
  const email = input.email.trim().toLowerCase();
  const keys = [`account:${email}`, `address:${input.clientAddress}`];
  const since = new Date(ctx.now().getTime() - WINDOW_SECONDS * 1000);
  // Attempts on one account take turns (a transaction-scoped advisory lock), so a burst of parallel guesses is
  // counted one by one and cannot slip past the limit together.
  const user = await ctx.db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`sign-in:${email}`}, 0))`.execute(tx);
    const counts = await tx
      .selectFrom("sign_in_failures")
      .select(["key", (eb) => eb.fn.countAll<string>().as("n")])
      .where("key", "in", keys)
      .where("at", ">", since)
      .groupBy("key")
      .execute();
    const count = (key: string) => Number(counts.find((c) => c.key === key)?.n ?? 0);
    if (count(keys[0]!) >= MAX_PER_ACCOUNT || count(keys[1]!) >= MAX_PER_ADDRESS) {
      throw new AppError("too_many_attempts", "Too many failed sign-ins. Wait a minute and try again.", {
        details: { retryAfterSeconds: WINDOW_SECONDS },
      });
    }
    const found = await tx
      .selectFrom("users")
      .select(["id", "email", "name", "password_hash", "active"])
      .where((eb) => eb(eb.fn("lower", ["email"]), "=", email))
      .executeTakeFirst();
    const ok = found?.active === true && (await verifyPassword(input.password, found.password_hash));
    if (!ok || !found) {
      await tx
        .insertInto("sign_in_failures")
        .values(keys.map((key) => ({ key, at: ctx.now() })))
        .execute();
      // Keep the table small: failures older than the window no longer matter.
      await tx.deleteFrom("sign_in_failures").where("at", "<", since).execute();
      return null;
    }
    return found;
  });
  // The failure is recorded (committed) before the answer goes out.
  if (!user) throw new AppError("invalid_credentials", "The email or password is not right.");
  return { id: user.id, email: user.email, name: user.name };
}
