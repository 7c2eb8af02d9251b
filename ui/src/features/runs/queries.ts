import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { commands, type RunFilter } from "@/bindings";
import { unwrap } from "@/lib/result";

export const runKeys = {
  all: ["runs"] as const,
  lists: () => [...runKeys.all, "list"] as const,
  list: (filter: RunFilter) => [...runKeys.lists(), filter] as const,
};

export function useRuns(filter: RunFilter) {
  return useQuery({
    queryKey: runKeys.list(filter),
    queryFn: () => unwrap(commands.runsList(filter)),
    placeholderData: keepPreviousData,
  });
}

/** Starts one entity's run; progress then arrives as `sync-event`s (see lib/liveRuns.ts). */
export function useStartRun() {
  return useMutation({
    mutationFn: ({ entityId, full }: { entityId: string; full: boolean }) => unwrap(commands.runsStart(entityId, full)),
  });
}

/** Every enabled entity, parents first, in the background. */
export function useSyncAll() {
  return useMutation({ mutationFn: (full: boolean) => unwrap(commands.runsSyncAll(full)) });
}

export function useCancelRun() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (runId: string) => unwrap(commands.runsCancel(runId)),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: runKeys.all }),
  });
}
