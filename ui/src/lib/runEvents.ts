// Subscribes to the backend's run broadcasts and marks the affected queries stale (mapping in invalidation.ts).
import { useEffect } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { listen } from "@tauri-apps/api/event";
import { invalidateForRunEvent, type RunEvent } from "./invalidation";

/** tauri-specta's name for a `RunEvent` type. Switch to `events.runEvent.listen` once bindings.ts has it. */
export const RUN_EVENT = "run-event";

export function subscribeToRunEvents(queryClient: QueryClient): () => void {
  let unlisten: (() => void) | null = null;
  let stopped = false;
  listen<RunEvent>(RUN_EVENT, (event) => void invalidateForRunEvent(queryClient, event.payload))
    .then((stop) => {
      if (stopped) stop();
      else unlisten = stop;
    })
    .catch((e: unknown) => console.warn("cannot listen to run events", e));
  return () => {
    stopped = true;
    unlisten?.();
  };
}

export function useRunEventInvalidation(): void {
  const queryClient = useQueryClient();
  useEffect(() => subscribeToRunEvents(queryClient), [queryClient]);
}
