import { useEffect } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { commands, events, type ScheduleInput, type ScheduleSummary, type TrayStatus } from "@/bindings";
import { unwrap } from "@/lib/result";

export const scheduleKeys = {
  all: ["schedules"] as const,
  list: () => [...scheduleKeys.all, "list"] as const,
};

export const trayKeys = {
  state: ["tray", "state"] as const,
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

/** The schedule as the editor sends it back, unchanged. */
export function toScheduleInput(s: ScheduleSummary): ScheduleInput {
  return {
    entityId: s.entityId,
    mode: s.mode,
    intervalMinutes: s.intervalMinutes ?? 60,
    windowStart: s.windowStart,
    windowEnd: s.windowEnd,
    daysToComplete: s.daysToComplete,
    rowEstimate: s.rowEstimate,
    paused: s.paused,
  };
}

/** Pauses or resumes one entity's schedule (the rest of it unchanged). */
export function useSetSchedulePaused() {
  const save = useSaveSchedule();
  return {
    ...save,
    mutate: (s: ScheduleSummary, paused: boolean) => save.mutate({ ...toScheduleInput(s), paused }),
  };
}

/** The tray's state (idle / running / attention, last run, keychain wait), kept current by `tray-event`. */
export function useTrayState() {
  const queryClient = useQueryClient();
  useEffect(() => {
    let unlisten: (() => void) | null = null;
    let stopped = false;
    events.trayEvent
      .listen((event) => queryClient.setQueryData<TrayStatus>(trayKeys.state, event.payload))
      .then((stop) => {
        if (stopped) stop();
        else unlisten = stop;
      })
      .catch((e: unknown) => console.warn("cannot listen to tray events", e));
    return () => {
      stopped = true;
      unlisten?.();
    };
  }, [queryClient]);
  return useQuery({ queryKey: trayKeys.state, queryFn: () => commands.trayState() });
}

/** Pauses or resumes every automatic run, as the tray's "Pause nightly syncs" does; answers with the tray's state. */
export function useSetAllPaused() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (paused: boolean) => unwrap(commands.traySetPaused(paused)),
    onSuccess: (status) => queryClient.setQueryData<TrayStatus>(trayKeys.state, status),
  });
}
