/**
 * `sql` written with `?` placeholders (as SQLite takes them) with PostgreSQL's `$1`, `$2`, ... in
 * their place, so that a statement both stores run is written once. The statements given here
 * hold no `?` inside a string literal.
 */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
