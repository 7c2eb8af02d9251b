import { useQuery } from "@tanstack/react-query";
import { commands } from "@/bindings";
import { unwrap } from "@/lib/result";

export const pendingChildKeys = {
  all: ["pendingChildren"] as const,
  list: () => [...pendingChildKeys.all, "list"] as const,
};

export function usePendingChildren() {
  return useQuery({ queryKey: pendingChildKeys.list(), queryFn: () => unwrap(commands.pendingChildrenList()) });
}
