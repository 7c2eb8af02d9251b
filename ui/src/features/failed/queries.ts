import { keepPreviousData, useQuery } from "@tanstack/react-query";
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
