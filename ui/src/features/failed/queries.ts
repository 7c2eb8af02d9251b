import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Channel } from "@tauri-apps/api/core";
import { save } from "@tauri-apps/plugin-dialog";
import { commands, type ExportKind, type FailedRecordFilter, type RetryProgress } from "@/bindings";
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

/** What to retry: the given ids, or every open record matching `filter` (its paging ignored). */
export interface RetryRequest {
  ids: string[];
  filter: FailedRecordFilter | null;
  onProgress?: (p: RetryProgress) => void;
}

/** Retries records through the current configuration; progress arrives per chunk, the answer has each outcome. */
export function useRetryFailed() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ ids, filter, onProgress }: RetryRequest) => {
      const channel = new Channel<RetryProgress>();
      if (onProgress) channel.onmessage = onProgress;
      return unwrap(commands.failedRecordsRetry(ids, filter, channel));
    },
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: failedRecordKeys.all }),
        queryClient.invalidateQueries({ queryKey: ["dashboard"] }),
        queryClient.invalidateQueries({ queryKey: ["runs"] }),
      ]),
  });
}

/**
 * Exports the records matching `filter` (every page) as CSV or JSON to a file the planner picks in the native save
 * dialog. Resolves to the number written, or null when the planner closed the dialog.
 */
export function useExportFailed() {
  return useMutation({
    mutationFn: async ({ filter, format }: { filter: FailedRecordFilter; format: ExportKind }) => {
      const path = await save({
        defaultPath: `failed-records.${format}`,
        filters: [{ name: format.toUpperCase(), extensions: [format] }],
      });
      if (!path) return null;
      return { path, count: await unwrap(commands.failedRecordsExport(filter, format, path)) };
    },
  });
}

/** One record's raw, normalized and mapped snapshots (fetched when its panel opens). */
export function useFailedRecordDetail(id: string) {
  return useQuery({
    queryKey: [...failedRecordKeys.all, "detail", id] as const,
    queryFn: () => unwrap(commands.failedRecordsDetail(id)),
  });
}
