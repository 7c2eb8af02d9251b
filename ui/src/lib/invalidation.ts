// The one place that says which cached queries a backend event makes stale (STYLE: no polling where an event
// exists). The shell turns each event into `queryClient.invalidateQueries` for the keys returned here.
import type { QueryClient, QueryKey } from "@tanstack/react-query";
import type { RunEvent } from "@/bindings";
import { dashboardKeys } from "@/features/dashboard/queries";
import { entityKeys } from "@/features/entities/queries";
import { failedRecordKeys } from "@/features/failed/queries";
import { pendingChildKeys } from "@/features/pending/queries";
import { runKeys } from "@/features/runs/queries";
import { scheduleKeys } from "@/features/schedules/queries";

export function staleKeysForRunEvent(event: RunEvent): QueryKey[] {
  switch (event.type) {
    case "started":
      // A new row in the history, a "running" badge on the entity, a running count on the dashboard; the
      // schedule's next run moves once a scheduled run has begun.
      return [runKeys.all, entityKeys.all, dashboardKeys.all, scheduleKeys.all];
    case "progress":
      // Only the counters of the run change (and its summary's samples). Progress comes a few times a second at most.
      return [runKeys.lists(), runKeys.details()];
    case "finished":
      // A finished run checkpointed failed records and pending children and moved the entity's last status.
      return [
        runKeys.all,
        entityKeys.all,
        dashboardKeys.all,
        failedRecordKeys.all,
        pendingChildKeys.all,
        scheduleKeys.all,
      ];
    case "failed":
      // A failed run stops at its last checkpoint: whatever it stored up to there is new too.
      return [runKeys.all, entityKeys.all, dashboardKeys.all, failedRecordKeys.all, pendingChildKeys.all];
  }
}

export async function invalidateForRunEvent(queryClient: QueryClient, event: RunEvent): Promise<void> {
  await Promise.all(staleKeysForRunEvent(event).map((queryKey) => queryClient.invalidateQueries({ queryKey })));
}
