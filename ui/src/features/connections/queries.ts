import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { commands, type ConnectionInput } from "@/bindings";
import { invalidateAllBut } from "@/lib/invalidateAllBut";
import { unwrap } from "@/lib/result";

export const connectionKeys = {
  all: ["connections"] as const,
  list: () => [...connectionKeys.all, "list"] as const,
  detail: (name: string) => [...connectionKeys.all, "detail", name] as const,
  timeZones: () => [...connectionKeys.all, "timeZones"] as const,
};

export function useConnections() {
  return useQuery({ queryKey: connectionKeys.list(), queryFn: () => unwrap(commands.connectionsList()) });
}

/** One connection's settings and where its credential is (the credential itself never comes back). */
export function useConnection(name: string | null) {
  return useQuery({
    queryKey: connectionKeys.detail(name ?? ""),
    queryFn: () => unwrap(commands.connectionsGet(name ?? "")),
    enabled: name !== null,
  });
}

export function useTimeZones() {
  return useQuery({
    queryKey: connectionKeys.timeZones(),
    queryFn: () => commands.connectionsTimeZones(),
    staleTime: Infinity,
  });
}

export function useSaveConnection() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: ConnectionInput) => unwrap(commands.connectionsSave(input)),
    // A rename shows wherever entities, runs and schedules name the connection: refresh everything then, except the
    // old name's settings, which are gone.
    onSuccess: (_, input) => {
      const old = input.renamedFrom;
      if (!old) return queryClient.invalidateQueries({ queryKey: connectionKeys.all });
      return invalidateAllBut(queryClient, connectionKeys.detail(old));
    },
  });
}

export function useDeleteConnection() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => unwrap(commands.connectionsDelete(name)),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: connectionKeys.all }),
  });
}

/** Reachability, login and latency of a saved connection. */
export function useTestConnection() {
  return useMutation({ mutationFn: (name: string) => unwrap(commands.connectionsTest(name)) });
}
