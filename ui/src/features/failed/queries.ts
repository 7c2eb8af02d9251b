import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { commands, type FailedRecordFilter } from "@/bindings";
import { unwrap } from "@/lib/result";

export const failedRecordKeys = {
  all: ["failedRecords"] as const,
  lists: () => [...failedRecordKeys.all, "list"] as const,
  list: (filter: FailedRecordFilter) => [...failedRecordKeys.lists(), filter] as const,
};

export function useFailedRecords(filter: FailedRecordFilter) {
  return useQuery({
    queryKey: failedRecordKeys.list(filter),
    queryFn: () => unwrap(commands.failedRecordsList(filter)),
    // Keep the current page on screen while the next one loads (no flicker when paging or filtering).
    placeholderData: keepPreviousData,
  });
}

/** Retries records through the current configuration: the given ids, or every open record of `entityId`. */
export function useRetryFailed() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ ids, entityId }: { ids: string[]; entityId: string | null }) =>
      unwrap(commands.failedRecordsRetry(ids, entityId)),
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: failedRecordKeys.all }),
        queryClient.invalidateQueries({ queryKey: ["dashboard"] }),
      ]),
  });
}

/** One record's raw, normalized and mapped snapshots (fetched when its panel opens). */
export function useFailedRecordDetail(id: string) {
  return useQuery({
    queryKey: [...failedRecordKeys.all, "detail", id] as const,
    queryFn: () => unwrap(commands.failedRecordsDetail(id)),
  });
}
