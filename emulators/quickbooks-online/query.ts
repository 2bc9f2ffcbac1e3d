import { compareDecimals, parseDecimal } from "./decimal.js";
import { isPlainObject, listEntities, SCHEMAS } from "./entities.js";
import { faults, type Obj } from "./faults.js";
import { ENTITY_NAMES, type EntityName, type RealmState } from "./state.js";

type TokenKind = "ident" | "string" | "number" | "op" | "lparen" | "rparen" | "comma" | "star" | "eof";

interface Token {
  kind: TokenKind;
  text: string;
  /** For string literals: the unescaped value. */
  value: string;
  column: number;
}

export type Literal =
  | { kind: "string"; value: string }
  | { kind: "number"; value: string }
  | { kind: "boolean"; value: boolean };

export type Operator = "=" | "<" | ">" | "<=" | ">=" | "in" | "like";

export interface Condition {
  field: string;
  op: Operator;
  values: Literal[];
}

export interface ParsedQuery {
  count: boolean;
  entity: string;
  conditions: Condition[];
  orderBy: { field: string; descending: boolean }[];
  startPosition: number;
  maxResults: number;
}

export const DEFAULT_MAX_RESULTS = 100;
export const MAX_MAX_RESULTS = 1000;

// Entities the real service knows but this emulator does not model: queries on them return no rows rather than an
// error, as they would on a company that has none.
const UNMODELLED_ENTITIES = [
  "Attachable",
  "Bill",
  "BillPayment",
  "Budget",
  "CreditMemo",
  "CustomerType",
  "Department",
  "Deposit",
  "Employee",
  "Invoice",
  "JournalEntry",
  "Payment",
  "PaymentMethod",
  "Purchase",
  "RefundReceipt",
  "SalesReceipt",
  "TaxAgency",
  "Term",
  "TimeActivity",
  "Transfer",
  "VendorCredit",
];
const SINGLETON_ENTITIES = ["CompanyInfo", "Preferences"];
/** Lists fixed by the company's country edition (countries.ts): queried, never written here. */
const EDITION_LISTS: Record<string, { key: keyof RealmState; fields: string[] }> = {
  taxcode: {
    key: "taxCodes",
    fields: ["Id", "Name", "Description", "Active", "Taxable", "TaxGroup", "MetaData.CreateTime"],
  },
  taxrate: { key: "taxRates", fields: ["Id", "Name", "RateValue", "Active", "MetaData.CreateTime"] },
  companycurrency: { key: "currencies", fields: ["Id", "Code", "Name", "Active", "MetaData.CreateTime"] },
};
const EDITION_KEYS: Record<string, string> = {
  taxcode: "TaxCode",
  taxrate: "TaxRate",
  companycurrency: "CompanyCurrency",
};
const NAME_LISTS: EntityName[] = ["Customer", "Item", "Class", "Account", "Vendor"];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    const column = i + 1;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_.]/.test(text[j] as string)) j += 1;
      const word = text.slice(i, j);
      tokens.push({ kind: "ident", text: word, value: word, column });
      i = j;
      continue;
    }
    if (ch === "'") {
      let j = i + 1;
      let value = "";
      let closed = false;
      while (j < text.length) {
        const c = text[j] as string;
        if (c === "\\" && j + 1 < text.length) {
          value += text[j + 1];
          j += 2;
          continue;
        }
        if (c === "'") {
          closed = true;
          break;
        }
        value += c;
        j += 1;
      }
      if (!closed)
        throw faults.queryParse(
          `Lexical error at line 1, column ${text.length + 1}.  Encountered: <EOF> after : "${text.slice(i)}"`,
        );
      tokens.push({ kind: "string", text: text.slice(i, j + 1), value, column });
      i = j + 1;
      continue;
    }
    if (/[0-9-]/.test(ch)) {
      const match = /^-?\d+(\.\d+)?/.exec(text.slice(i));
      if (match) {
        tokens.push({ kind: "number", text: match[0], value: match[0], column });
        i += match[0].length;
        continue;
      }
    }
    const two = text.slice(i, i + 2);
    if (two === "<=" || two === ">=") {
      tokens.push({ kind: "op", text: two, value: two, column });
      i += 2;
      continue;
    }
    if (ch === "=" || ch === "<" || ch === ">") {
      tokens.push({ kind: "op", text: ch, value: ch, column });
      i += 1;
      continue;
    }
    const punct: Record<string, TokenKind> = { "(": "lparen", ")": "rparen", ",": "comma", "*": "star" };
    const kind = punct[ch];
    if (kind) {
      tokens.push({ kind, text: ch, value: ch, column });
      i += 1;
      continue;
    }
    throw faults.queryParse(`Lexical error at line 1, column ${column}.  Encountered: "${ch}"`);
  }
  tokens.push({ kind: "eof", text: "", value: "", column: text.length + 1 });
  return tokens;
}

function describeToken(token: Token): string {
  switch (token.kind) {
    case "eof":
      return '"<EOF>"';
    case "ident":
      return `" <IDENTIFIER> "${token.text} ""`;
    case "string":
      return `" <STRING> "${token.text} ""`;
    case "number":
      return `" <INTEGER> "${token.text} ""`;
    default:
      return `" "${token.text}" "${token.text} ""`;
  }
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.index] as Token;
  }

  next(): Token {
    const token = this.peek();
    if (token.kind !== "eof") this.index += 1;
    return token;
  }

  fail(token: Token = this.peek()): never {
    throw faults.queryParse(`Encountered ${describeToken(token)} at line 1, column ${token.column}.`);
  }

  isKeyword(word: string): boolean {
    const token = this.peek();
    return token.kind === "ident" && token.text.toLowerCase() === word;
  }

  keyword(word: string): void {
    if (!this.isKeyword(word)) this.fail();
    this.next();
  }

  expect(kind: TokenKind): Token {
    const token = this.peek();
    if (token.kind !== kind) this.fail(token);
    return this.next();
  }

  literal(): Literal {
    const token = this.next();
    if (token.kind === "string") return { kind: "string", value: token.value };
    if (token.kind === "number") return { kind: "number", value: token.value };
    if (token.kind === "ident" && /^(true|false)$/i.test(token.text)) {
      return { kind: "boolean", value: token.text.toLowerCase() === "true" };
    }
    return this.fail(token);
  }

  positiveInteger(): number {
    const token = this.expect("number");
    if (!/^\d+$/.test(token.text)) this.fail(token);
    return Number(token.text);
  }

  parse(): ParsedQuery {
    this.keyword("select");
    let count = false;
    if (this.peek().kind === "star") {
      this.next();
    } else if (this.isKeyword("count")) {
      this.next();
      this.expect("lparen");
      this.expect("star");
      this.expect("rparen");
      count = true;
    } else {
      // Projections are not part of the language.
      this.fail();
    }
    this.keyword("from");
    const entity = this.expect("ident").text;
    const conditions: Condition[] = [];
    if (this.isKeyword("where")) {
      this.next();
      conditions.push(this.condition());
      while (this.isKeyword("and")) {
        this.next();
        conditions.push(this.condition());
      }
    }
    const orderBy: ParsedQuery["orderBy"] = [];
    let startPosition = 1;
    let maxResults = DEFAULT_MAX_RESULTS;
    for (;;) {
      if (this.isKeyword("orderby")) {
        this.next();
        for (;;) {
          const field = this.expect("ident").text;
          let descending = false;
          if (this.isKeyword("asc") || this.isKeyword("desc"))
            descending = this.next().text.toLowerCase() === "desc";
          orderBy.push({ field, descending });
          if (this.peek().kind !== "comma") break;
          this.next();
        }
      } else if (this.isKeyword("startposition")) {
        this.next();
        startPosition = Math.max(1, this.positiveInteger());
      } else if (this.isKeyword("maxresults")) {
        this.next();
        maxResults = this.positiveInteger();
      } else {
        break;
      }
    }
    if (this.peek().kind !== "eof") this.fail();
    return { count, entity, conditions, orderBy, startPosition, maxResults };
  }

  condition(): Condition {
    const field = this.expect("ident").text;
    const token = this.peek();
    if (token.kind === "op") {
      this.next();
      return { field, op: token.text as Operator, values: [this.literal()] };
    }
    if (this.isKeyword("in")) {
      this.next();
      this.expect("lparen");
      const values = [this.literal()];
      while (this.peek().kind === "comma") {
        this.next();
        values.push(this.literal());
      }
      this.expect("rparen");
      return { field, op: "in", values };
    }
    if (this.isKeyword("like")) {
      this.next();
      const value = this.literal();
      if (value.kind !== "string") this.fail();
      return { field, op: "like", values: [value] };
    }
    return this.fail(token);
  }
}

export function parseQuery(text: string): ParsedQuery {
  return new Parser(tokenize(text)).parse();
}

function fieldValue(row: Obj, path: string): unknown {
  let current: unknown = row;
  for (const part of path.split(".")) {
    if (!isPlainObject(current)) return undefined;
    current = current[part];
  }
  if (isPlainObject(current) && "value" in current) return current.value;
  return current;
}

function compareValue(actual: unknown, literal: Literal, isTimestamp: boolean): number | null {
  if (actual === undefined || actual === null || isPlainObject(actual) || Array.isArray(actual)) return null;
  if (literal.kind === "boolean" || typeof actual === "boolean") {
    return String(actual).toLowerCase() === String(literal.value).toLowerCase() ? 0 : 1;
  }
  if (isTimestamp) {
    const left = Date.parse(String(actual));
    const right = Date.parse(String(literal.value));
    if (!Number.isNaN(left) && !Number.isNaN(right)) return left < right ? -1 : left > right ? 1 : 0;
  }
  if (typeof actual === "number" || literal.kind === "number") {
    const left = parseDecimal(actual);
    const right = parseDecimal(literal.value);
    if (left && right) return compareDecimals(left, right);
  }
  const left = String(actual).toLowerCase();
  const right = String(literal.value).toLowerCase();
  return left < right ? -1 : left > right ? 1 : 0;
}

function likeToRegExp(pattern: string): RegExp {
  const body = pattern
    .split("%")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`, "is");
}

function matches(row: Obj, condition: Condition): boolean {
  const actual = fieldValue(row, condition.field);
  const isTimestamp = condition.field.startsWith("MetaData.");
  const first = condition.values[0] as Literal;
  switch (condition.op) {
    case "like":
      return (
        actual !== undefined && actual !== null && likeToRegExp(String(first.value)).test(String(actual))
      );
    case "in":
      return condition.values.some((literal) => compareValue(actual, literal, isTimestamp) === 0);
    default: {
      const result = compareValue(actual, first, isTimestamp);
      if (result === null) return false;
      if (condition.op === "=") return result === 0;
      if (condition.op === "<") return result < 0;
      if (condition.op === ">") return result > 0;
      if (condition.op === "<=") return result <= 0;
      return result >= 0;
    }
  }
}

function canonicalField(entity: string, fields: readonly string[], name: string): string {
  const found = fields.find((field) => field.toLowerCase() === name.toLowerCase());
  if (!found) throw faults.queryInvalid(`Property ${name} not found for Entity ${entity}`);
  return found;
}

function queryableFields(entity: EntityName): string[] {
  const schema = SCHEMAS[entity];
  return [
    "Id",
    "SyncToken",
    "MetaData.CreateTime",
    "MetaData.LastUpdatedTime",
    ...schema.writable,
    ...schema.readOnly,
  ];
}

function sortRows(rows: Obj[], orderBy: ParsedQuery["orderBy"]): Obj[] {
  if (orderBy.length === 0) return rows;
  return [...rows].sort((a, b) => {
    for (const { field, descending } of orderBy) {
      const left = fieldValue(a, field);
      const right = fieldValue(b, field);
      if (left === right) continue;
      if (left === undefined || left === null) return 1;
      if (right === undefined || right === null) return -1;
      const literal: Literal =
        typeof right === "number"
          ? { kind: "number", value: String(right) }
          : { kind: "string", value: String(right) };
      const result = compareValue(left, literal, field.startsWith("MetaData.")) ?? 0;
      if (result !== 0) return descending ? -result : result;
    }
    return 0;
  });
}

/** Executes a query and returns the `QueryResponse` object. */
export function runQuery(realm: RealmState, text: string): Obj {
  const parsed = parseQuery(text.trim());
  if (parsed.maxResults > MAX_MAX_RESULTS) {
    throw faults.queryInvalid(
      `MAXRESULTS value ${parsed.maxResults} is greater than the maximum ${MAX_MAX_RESULTS}`,
    );
  }
  const lower = parsed.entity.toLowerCase();
  const entity = ENTITY_NAMES.find((name) => name.toLowerCase() === lower);
  let rows: Obj[];
  let key: string;
  if (entity) {
    key = entity;
    const fields = queryableFields(entity);
    for (const condition of parsed.conditions)
      condition.field = canonicalField(entity, fields, condition.field);
    for (const order of parsed.orderBy) order.field = canonicalField(entity, fields, order.field);
    rows = listEntities(realm, entity);
    // Name lists hide inactive entries unless the query asks about Active itself.
    if (NAME_LISTS.includes(entity) && !parsed.conditions.some((condition) => condition.field === "Active")) {
      rows = rows.filter((row) => row.Active !== false);
    }
  } else if (EDITION_LISTS[lower]) {
    const list = EDITION_LISTS[lower];
    key = EDITION_KEYS[lower] as string;
    for (const condition of parsed.conditions)
      condition.field = canonicalField(key, list.fields, condition.field);
    for (const order of parsed.orderBy) order.field = canonicalField(key, list.fields, order.field);
    rows = ((realm[list.key] as Obj[] | undefined) ?? []).map((row) => structuredClone(row));
    if (!parsed.conditions.some((condition) => condition.field === "Active")) {
      rows = rows.filter((row) => row.Active !== false);
    }
  } else {
    const singleton = SINGLETON_ENTITIES.find((name) => name.toLowerCase() === lower);
    const unmodelled = UNMODELLED_ENTITIES.find((name) => name.toLowerCase() === lower);
    if (singleton) {
      key = singleton;
      rows = [singleton === "CompanyInfo" ? realm.companyInfo : realm.preferences];
    } else if (unmodelled) {
      key = unmodelled;
      rows = [];
    } else {
      throw faults.queryInvalid(`Entity ${parsed.entity} is not supported`);
    }
  }
  rows = rows.filter((row) => parsed.conditions.every((condition) => matches(row, condition)));
  if (parsed.count) return { totalCount: rows.length };
  const page = sortRows(rows, parsed.orderBy).slice(
    parsed.startPosition - 1,
    parsed.startPosition - 1 + parsed.maxResults,
  );
  if (page.length === 0) return {};
  return { [key]: page, startPosition: parsed.startPosition, maxResults: page.length };
}
