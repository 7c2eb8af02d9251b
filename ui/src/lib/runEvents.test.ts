import { screen, waitFor } from "@testing-library/react";
import { emit } from "@tauri-apps/api/event";
import { describe, expect, it } from "vitest";
import { renderApp } from "@/test/renderApp";
import { RUN_EVENT } from "./runEvents";

describe("run events", () => {
  it("refetch the open screen's data when a run finishes, without polling", async () => {
    const { backend } = await renderApp("/runs");
    await screen.findAllByTestId("run-row");
    const before = backend.calls.filter((c) => c.cmd === "runs_list").length;

    // The listener is registered asynchronously after the shell mounts: emit until the refetch shows up.
    await waitFor(async () => {
      await emit(RUN_EVENT, { type: "finished", runId: "r1", entityId: "e1", status: "completed" });
      expect(backend.calls.filter((c) => c.cmd === "runs_list").length).toBeGreaterThan(before);
    });
  });
});
