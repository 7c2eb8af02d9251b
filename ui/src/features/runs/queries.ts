import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { commands, type RunFilter } from "@/bindings";
import { unwrap } from "@/lib/result";

export const runKeys = {
  all: ["runs"] as const,
  lists: () => [...runKeys.all, "list"] as const,
  list: (filter: RunFilter) => [...runKeys.lists(), filter] as const,
  /** One run's summary and samples: both change while it runs. */
  details: () => [...runKeys.all, "detail"] as const,
  detail: (runId: string) => [...runKeys.details(), runId] as const,
  samples: (runId: string) => [...runKeys.details(), runId, "samples"] as const,
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

/** One run's summary: counts, duration, watermarks and the report (with its errors) stored when it ended. */
export function useRunDetail(runId: string) {
  return useQuery({ queryKey: runKeys.detail(runId), queryFn: () => unwrap(commands.runsDetail(runId)) });
}

/** The run's rows/s samples, recorded at its page checkpoints. */
export function useRunSamples(runId: string) {
  return useQuery({ queryKey: runKeys.samples(runId), queryFn: () => unwrap(commands.runsSamples(runId)) });
}
