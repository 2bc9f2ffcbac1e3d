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
  const counts = await ctx.db
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
  const user = await ctx.db
    .selectFrom("users")
    .select(["id", "email", "name", "password_hash", "active"])
    .where((eb) => eb(eb.fn("lower", ["email"]), "=", email))
    .executeTakeFirst();
  const ok = user?.active === true && (await verifyPassword(input.password, user.password_hash));
  if (!ok || !user) {
    await ctx.db
      .insertInto("sign_in_failures")
      .values(keys.map((key) => ({ key, at: ctx.now() })))
      .execute();
    // Keep the table small: failures older than the window no longer matter.
    await ctx.db.deleteFrom("sign_in_failures").where("at", "<", since).execute();
    throw new AppError("invalid_credentials", "The email or password is not right.");
  }
  return { id: user.id, email: user.email, name: user.name };
}
