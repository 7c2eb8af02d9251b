import { hashKey, type QueryClient, type QueryKey } from "@tanstack/react-query";

/** Marks every cached query stale and refetches the shown ones, except `gone`: the query of something that was just
 * renamed or removed. Asking for it again would only answer "not found", and it would answer it under the editor
 * that is closing, replacing the form (and with it the save's own callback that closes the editor). */
export function invalidateAllBut(client: QueryClient, gone: QueryKey): Promise<void> {
  const goneHash = hashKey(gone);
  return client.invalidateQueries({ predicate: (query) => query.queryHash !== goneHash });
}
