/** PostgreSQL refused a row because a unique constraint already holds its key (SQLSTATE 23505). */
export function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string }).code === "23505";
}
