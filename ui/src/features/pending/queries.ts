import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { commands } from "@/bindings";
import { unwrap } from "@/lib/result";

export const pendingChildKeys = {
  all: ["pendingChildren"] as const,
  list: () => [...pendingChildKeys.all, "list"] as const,
};

export function usePendingChildren() {
  return useQuery({ queryKey: pendingChildKeys.list(), queryFn: () => unwrap(commands.pendingChildrenList()) });
}

/** "Retry now": one waiting child (its entity and key hash), or all of them (null). */
export function useRetryPending() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (one: { entityId: string; bkHash: string } | null) =>
      unwrap(commands.pendingChildrenRetry(one?.entityId ?? null, one?.bkHash ?? null)),
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: pendingChildKeys.all }),
        queryClient.invalidateQueries({ queryKey: ["failedRecords"] }),
        queryClient.invalidateQueries({ queryKey: ["dashboard"] }),
      ]),
  });
}
