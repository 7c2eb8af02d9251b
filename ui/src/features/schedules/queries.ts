import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { commands, type ScheduleInput } from "@/bindings";
import { unwrap } from "@/lib/result";

export const scheduleKeys = {
  all: ["schedules"] as const,
  list: () => [...scheduleKeys.all, "list"] as const,
};

export function useSchedules() {
  return useQuery({ queryKey: scheduleKeys.list(), queryFn: () => unwrap(commands.schedulesList()) });
}

/** Saves one entity's schedule; the backend validates it and answers with the next run it computed. */
export function useSaveSchedule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: ScheduleInput) => unwrap(commands.schedulesSave(input)),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: scheduleKeys.all }),
        queryClient.invalidateQueries({ queryKey: ["dashboard"] }),
      ]),
  });
}
