import { useQuery } from "@tanstack/react-query";
import { commands } from "@/bindings";
import { unwrap } from "@/lib/result";

export const scheduleKeys = {
  all: ["schedules"] as const,
  list: () => [...scheduleKeys.all, "list"] as const,
};

export function useSchedules() {
  return useQuery({ queryKey: scheduleKeys.list(), queryFn: () => unwrap(commands.schedulesList()) });
}
