// Live progress of the runs in flight, fed by the backend's `sync-event`s (never polled). Components read it with
// `useLiveRuns()`; finished runs stay listed briefly so the bar visibly completes.
import { useSyncExternalStore } from "react";
import type { RunEvent, RunStatus } from "@/bindings";

export interface LiveRun {
  runId: string;
  entityId: string;
  entityName: string;
  stage: string;
  rowsDone: number;
  rowsTotal: number | null;
  rowsPerSec: number;
  status: RunStatus;
  message: string | null;
}

let runs: LiveRun[] = [];
const listeners = new Set<() => void>();
/** Long enough to open a finished run's summary from its bar; `dismissLiveRun` removes it sooner. */
const KEEP_FINISHED_MS = 60_000;

function publish(next: LiveRun[]) {
  runs = next;
  listeners.forEach((l) => l());
}

function update(runId: string, patch: Partial<LiveRun>) {
  publish(runs.map((r) => (r.runId === runId ? { ...r, ...patch } : r)));
}

function forgetLater(runId: string) {
  setTimeout(() => publish(runs.filter((r) => r.runId !== runId)), KEEP_FINISHED_MS);
}

export function applyRunEvent(event: RunEvent): void {
  switch (event.type) {
    case "started":
      publish([
        ...runs.filter((r) => r.runId !== event.runId),
        {
          runId: event.runId,
          entityId: event.entityId,
          entityName: event.entityName,
          stage: "fetch",
          rowsDone: 0,
          rowsTotal: null,
          rowsPerSec: 0,
          status: "running",
          message: null,
        },
      ]);
      break;
    case "progress":
      update(event.runId, {
        stage: event.stage,
        rowsDone: event.rowsDone,
        rowsTotal: event.rowsTotal,
        rowsPerSec: event.rowsPerSec ?? 0,
      });
      break;
    case "finished":
      // The run is over: no stage is in progress any more (the badge says how it ended).
      update(event.runId, {
        status: event.status,
        stage: "done",
        rowsDone: event.summary.fetched,
        rowsTotal: event.summary.fetched,
      });
      forgetLater(event.runId);
      break;
    case "failed":
      update(event.runId, { status: "failed", stage: "done", message: event.message });
      forgetLater(event.runId);
      break;
  }
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useLiveRuns(): LiveRun[] {
  return useSyncExternalStore(subscribe, () => runs);
}

/** Takes a finished run's bar away (the planner read it). */
export function dismissLiveRun(runId: string): void {
  publish(runs.filter((r) => r.runId !== runId));
}

/** For tests. */
export function resetLiveRuns(): void {
  publish([]);
}
