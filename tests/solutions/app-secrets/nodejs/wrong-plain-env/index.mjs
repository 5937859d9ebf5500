// Wrong on purpose: the values are taken from plain environment variables (with a default
// written in the code), where anyone who may read the function's configuration sees them.
export const handler = async () => ({
  host: process.env.DB_HOST ?? "db-100.internal",
  user: process.env.DB_USER ?? "orders",
});
