import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { connectionKeys } from "@/features/connections/queries";
import { dashboardKeys } from "@/features/dashboard/queries";
import { entityKeys } from "@/features/entities/queries";
import { failedRecordKeys } from "@/features/failed/queries";
import { pendingChildKeys } from "@/features/pending/queries";
import { runKeys } from "@/features/runs/queries";
import { scheduleKeys } from "@/features/schedules/queries";
import { settingsKeys } from "@/features/settings/queries";
import type { Counters, RunEvent } from "@/bindings";
import { invalidateForRunEvent, staleKeysForRunEvent } from "./invalidation";

const ids = { runId: "r1", entityId: "e1" };
const summary: Counters = {
  fetched: 10,
  inserted: 8,
  updated: 0,
  deleted: 0,
  skipped: 0,
  failed: 2,
  pending: 0,
  duplicates: 0,
  pages: 1,
  bytes: 900,
};

function clientWithEverythingCached() {
  const client = new QueryClient();
  const keys = [
    settingsKeys.settings(),
    connectionKeys.list(),
    entityKeys.list(),
    runKeys.list({ entityId: null, status: null, trigger: null, since: null, until: null, limit: 50 }),
    failedRecordKeys.list({
      entityId: null,
      runId: null,
      stage: null,
      errorType: null,
      search: null,
      includeResolved: false,
      offset: 0,
      limit: 25,
    }),
    pendingChildKeys.list(),
    scheduleKeys.list(),
    dashboardKeys.summary(),
  ];
  for (const key of keys) client.setQueryData(key, "cached");
  return client;
}

function invalidatedRoots(client: QueryClient): string[] {
  return client
    .getQueryCache()
    .getAll()
    .filter((q) => q.state.isInvalidated)
    .map((q) => String(q.queryKey[0]))
    .sort();
}

async function staleAfter(event: RunEvent) {
  const client = clientWithEverythingCached();
  await invalidateForRunEvent(client, event);
  return invalidatedRoots(client);
}

describe("run events → stale queries", () => {
  it("progress refreshes only the run lists (it arrives several times a second)", async () => {
    expect(
      await staleAfter({ type: "progress", ...ids, stage: "load", rowsDone: 400, rowsTotal: 500, rowsPerSec: 90 }),
    ).toEqual(["runs"]);
  });

  it("progress refreshes the open run summary too (its counts and throughput samples grow)", async () => {
    const client = clientWithEverythingCached();
    client.setQueryData(runKeys.detail("r1"), "cached");
    await invalidateForRunEvent(client, {
      type: "progress",
      ...ids,
      stage: "load",
      rowsDone: 400,
      rowsTotal: 500,
      rowsPerSec: 90,
    });
    expect(client.getQueryState(runKeys.detail("r1"))?.isInvalidated).toBe(true);
    expect(client.getQueryState(dashboardKeys.summary())?.isInvalidated).toBe(false);
  });

  it("started refreshes runs, entities (last status), schedules (next run) and the dashboard", async () => {
    expect(await staleAfter({ type: "started", ...ids, entityName: "sites" })).toEqual([
      "dashboard",
      "entities",
      "runs",
      "schedules",
    ]);
  });

  it("finished also refreshes failed records and pending children written at the checkpoint", async () => {
    expect(await staleAfter({ type: "finished", ...ids, status: "completed_with_errors", summary })).toEqual([
      "dashboard",
      "entities",
      "failedRecords",
      "pendingChildren",
      "runs",
      "schedules",
    ]);
  });

  it("failed refreshes what the run stored up to its last checkpoint", async () => {
    expect(await staleAfter({ type: "failed", ...ids, message: "APISmith unreachable" })).toEqual([
      "dashboard",
      "entities",
      "failedRecords",
      "pendingChildren",
      "runs",
    ]);
  });

  it("never touches settings or connections", () => {
    const events: RunEvent[] = [
      { type: "started", ...ids, entityName: "sites" },
      { type: "progress", ...ids, stage: "fetch", rowsDone: 1, rowsTotal: null, rowsPerSec: 1 },
      { type: "finished", ...ids, status: "completed", summary },
      { type: "failed", ...ids, message: "x" },
    ];
    const roots = new Set(events.flatMap((e) => staleKeysForRunEvent(e).map((k) => k[0])));
    expect(roots.has("settings")).toBe(false);
    expect(roots.has("connections")).toBe(false);
  });
});
