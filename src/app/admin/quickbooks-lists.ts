import {
  QboApiError,
  type QboClient,
  QboReconnectNeededError,
  QboTransportError,
  RealmPausedError,
} from "../../erp/quickbooks-online/index.js";
import type { QboCustomer, QboItem, QboVendor } from "../../erp/quickbooks-online/types.js";
import type { AppContext } from "../context.js";
import { QUICKBOOKS_ONLINE_KIND } from "../erp/qbo-definition.js";
import { qboServiceFor } from "../erp/qbo-service.js";
import { AppError } from "../errors.js";

/**
 * Reads QuickBooks Online lists for the admin's pick lists and checks references an admin chose. Only QuickBooks
 * Online answers while the admin waits: QuickBooks Desktop is reached when its Web Connector polls.
 */
export interface QuickBooksLists {
  items(): Promise<QboItem[]>;
  customers(): Promise<QboCustomer[]>;
  /** The item with this id, or null when QuickBooks has none. */
  item(ref: string): Promise<QboItem | null>;
  customer(ref: string): Promise<QboCustomer | null>;
  /** Active vendors, by name. */
  vendors(): Promise<QboVendor[]>;
  vendor(ref: string): Promise<QboVendor | null>;
}

async function connectedRealm(ctx: AppContext, companyId: string) {
  const conn = await ctx.db
    .selectFrom("erp_connections")
    .select(["type", "status"])
    .where("company_id", "=", companyId)
    .executeTakeFirst();
  if (!conn || conn.status === "disconnected") {
    throw new AppError("not_connected", "Connect QuickBooks first: the lists are read from it.");
  }
  if (conn.type !== QUICKBOOKS_ONLINE_KIND) {
    throw new AppError(
      "not_connected",
      "QuickBooks Desktop lists cannot be read while you wait (its Web Connector polls on its own schedule). " +
        "Leave cost codes unmapped with “create missing items” on, and choose a default parent customer by name.",
      { details: { rule: "pick_list_unavailable" } },
    );
  }
  if (conn.status === "reconnect_needed") {
    throw new AppError("not_connected", "QuickBooks needs to be reconnected before its lists can be read.", {
      details: { rule: "reconnect_needed" },
    });
  }
}

function translate(e: unknown): never {
  if (e instanceof AppError) throw e;
  if (e instanceof QboReconnectNeededError) {
    throw new AppError("not_connected", "QuickBooks needs to be reconnected before its lists can be read.", {
      details: { rule: "reconnect_needed" },
    });
  }
  if (e instanceof RealmPausedError) {
    const retryAfterSeconds = Math.max(1, Math.ceil(e.retryAfterMs / 1000));
    throw new AppError(
      "rate_limited",
      `QuickBooks asked us to slow down for this company; try again in ${retryAfterSeconds} s.`,
      { details: { retryAfterSeconds } },
    );
  }
  if (e instanceof QboTransportError) {
    throw new AppError("erp_unavailable", `QuickBooks did not answer: ${e.message}. Try again in a moment.`);
  }
  if (e instanceof QboApiError) {
    if (e.fault.status === 429) {
      throw new AppError("rate_limited", "QuickBooks asks us to slow down; try again in a minute.", {
        details: { retryAfterSeconds: Math.ceil(Math.max(e.fault.retryAfterMs ?? 0, 60_000) / 1000) },
      });
    }
    throw new AppError(
      "erp_unavailable",
      `QuickBooks refused to answer: ${e.fault.detail || e.fault.message}`,
    );
  }
  throw e;
}

/** QuickBooks answers a read of an id it does not have with a 400 fault (610 object not found, 2500, 2010). */
function isMissing(e: unknown): boolean {
  return e instanceof QboApiError && e.fault.status === 400;
}

export async function quickBooksLists(ctx: AppContext, companyId: string): Promise<QuickBooksLists> {
  await connectedRealm(ctx, companyId);
  const service = qboServiceFor(ctx);
  let client: QboClient;
  try {
    // Through the shared gate like every other call; a realm paused after a 429 answers at once instead of
    // keeping the admin waiting (a short pause is waited out).
    client = await service.clientFor(companyId, { timeoutMs: 20_000, maxPauseMs: 3_000 });
  } catch (e) {
    translate(e);
  }
  const guarded = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      translate(e);
    }
  };
  const readOrNull = <T>(entity: string, ref: string) =>
    guarded(async () => {
      if (!/^[0-9]{1,20}$/.test(ref)) return null;
      try {
        return await client.read<T>(entity, ref);
      } catch (e) {
        if (isMissing(e)) return null;
        throw e;
      }
    });
  return {
    items: () => guarded(() => client.queryAll<QboItem>("SELECT * FROM Item ORDERBY Name")),
    customers: () =>
      guarded(() => client.queryAll<QboCustomer>("SELECT * FROM Customer ORDERBY FullyQualifiedName")),
    item: (ref) => readOrNull<QboItem>("item", ref),
    customer: (ref) => readOrNull<QboCustomer>("customer", ref),
    vendors: () => guarded(() => client.queryAll<QboVendor>("SELECT * FROM Vendor ORDERBY DisplayName")),
    vendor: (ref) => readOrNull<QboVendor>("vendor", ref),
  };
}
