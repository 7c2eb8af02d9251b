import { screen, waitFor } from "@testing-library/react";
import { emit } from "@tauri-apps/api/event";
import { describe, expect, it } from "vitest";
import { renderApp } from "@/test/renderApp";

describe("run events", () => {
  it("refetch the open screen's data when a run finishes, without polling", async () => {
    const { backend } = await renderApp("/runs");
    await screen.findAllByTestId("run-row");
    const before = backend.calls.filter((c) => c.cmd === "runs_list").length;

    // The listener is registered asynchronously after the shell mounts: emit until the refetch shows up.
    await waitFor(async () => {
      await emit("sync-event", {
        type: "finished",
        runId: "r1",
        entityId: "e1",
        status: "completed",
        summary: {
          fetched: 3,
          inserted: 3,
          updated: 0,
          deleted: 0,
          skipped: 0,
          failed: 0,
          pending: 0,
          duplicates: 0,
          pages: 1,
          bytes: 10,
        },
      });
      expect(backend.calls.filter((c) => c.cmd === "runs_list").length).toBeGreaterThan(before);
    });
  });
});
