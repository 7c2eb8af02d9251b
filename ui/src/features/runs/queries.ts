import { keepPreviousData, useQuery } from "@tanstack/react-query";
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
