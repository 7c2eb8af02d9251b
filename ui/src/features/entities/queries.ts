import { useQuery } from "@tanstack/react-query";
import { commands } from "@/bindings";
import { unwrap } from "@/lib/result";

export const entityKeys = {
  all: ["entities"] as const,
  list: () => [...entityKeys.all, "list"] as const,
};

export function useEntities() {
  return useQuery({ queryKey: entityKeys.list(), queryFn: () => unwrap(commands.entitiesList()) });
}
