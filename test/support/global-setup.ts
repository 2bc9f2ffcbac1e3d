// Replaced by the PostgreSQL-backed setup once the database layer lands.
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}
