import { useQuery } from "@tanstack/react-query";
import { commands } from "@/bindings";
import { unwrap } from "@/lib/result";

export const connectionKeys = {
  all: ["connections"] as const,
  list: () => [...connectionKeys.all, "list"] as const,
};

export function useConnections() {
  return useQuery({ queryKey: connectionKeys.list(), queryFn: () => unwrap(commands.connectionsList()) });
}
