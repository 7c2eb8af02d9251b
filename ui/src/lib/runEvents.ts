// Subscribes to the backend's run broadcasts: live progress (liveRuns.ts) and stale queries (invalidation.ts).
import { useEffect } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { events } from "@/bindings";
import { invalidateForRunEvent } from "./invalidation";
import { applyRunEvent } from "./liveRuns";

export function subscribeToRunEvents(queryClient: QueryClient): () => void {
  let unlisten: (() => void) | null = null;
  let stopped = false;
  events.syncEvent
    .listen((event) => {
      applyRunEvent(event.payload);
      void invalidateForRunEvent(queryClient, event.payload);
    })
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
