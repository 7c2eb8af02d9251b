import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { runs } from "@/dev/fixtures";
import { fail } from "@/dev/mockBackend";
import { applyRunEvent, resetLiveRuns } from "@/lib/liveRuns";
import { renderApp } from "@/test/renderApp";

const finished = runs[1]!; // completed_with_errors, 7 failed
const running = runs[0]!;

afterEach(() => resetLiveRuns());

describe("Run summary", () => {
  it("opens from the history and shows counts, duration, watermark, errors and the rows/s chart", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/runs");
    const rows = await screen.findAllByTestId("run-row");
    await user.click(within(rows[1]!).getByTestId("run-open"));

    expect(await screen.findByTestId("page-run")).toBeInTheDocument();
    expect(screen.getByTestId("page-title")).toHaveTextContent("Run summary");
    expect(backend.calls).toContainEqual({ cmd: "runs_detail", args: { runId: finished.id } });
    expect(await screen.findByTestId("count-failed")).toHaveTextContent("7");
    expect(screen.getByTestId("count-pending")).toHaveTextContent("3");
    expect(screen.getByTestId("run-duration")).toHaveTextContent("6 sec");
    expect(screen.getByTestId("run-watermark")).toHaveTextContent("0x00000000000003E8 → 0x00000000000007D3");
    expect(screen.getByTestId("run-errors")).toHaveTextContent("page 7: APISmith answered 503");
    expect(await screen.findByTestId("run-rate-chart")).toBeInTheDocument();
    expect(backend.calls).toContainEqual({ cmd: "runs_samples", args: { runId: finished.id } });
    // Nav keeps Runs highlighted below it.
    expect(screen.getByTestId("nav-runs")).toHaveAttribute("aria-current", "page");
  });

  it("says when a run has no samples and no errors", async () => {
    await renderApp(`/runs/${runs[2]!.id}`, { runs_samples: () => [] });
    expect(await screen.findByTestId("run-no-errors")).toHaveTextContent("No run errors");
    expect(await screen.findByText("No throughput samples")).toBeInTheDocument();
    expect(screen.queryByTestId("run-rate-chart")).not.toBeInTheDocument();
  });

  it("shows an error state for a run that does not exist", async () => {
    await renderApp("/runs/0197a1c0-0000-7000-8000-999999999999", {
      runs_detail: () => fail("not_found", "no run with id 0197a1c0-0000-7000-8000-999999999999"),
    });
    expect(await screen.findByTestId("error-state")).toHaveTextContent("no run with id");
  });

  it("cancels a running run from its summary with the keyboard", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp(`/runs/${running.id}`);
    const cancel = await screen.findByTestId("run-cancel");
    cancel.focus();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(backend.calls).toContainEqual({ cmd: "runs_cancel", args: { runId: running.id } }));
  });
});

describe("Live runs", () => {
  it("stops saying Loading once the run has finished and links to its summary", async () => {
    const user = userEvent.setup();
    await renderApp("/runs");
    await screen.findAllByTestId("run-row");
    const ids = { runId: finished.id, entityId: finished.entityId };
    act(() => {
      applyRunEvent({ type: "started", ...ids, entityName: "inventory_items" });
      applyRunEvent({ type: "progress", ...ids, stage: "load", rowsDone: 600, rowsTotal: 1200, rowsPerSec: 300 });
    });
    expect(await screen.findByTestId("live-run-stage")).toHaveTextContent("Loading");
    expect(screen.getByTestId("live-run-cancel")).toBeInTheDocument();
    act(() =>
      applyRunEvent({
        type: "finished",
        ...ids,
        status: "completed_with_errors",
        summary: {
          fetched: 1200,
          inserted: 12,
          updated: 40,
          deleted: 0,
          skipped: 1138,
          failed: 7,
          pending: 3,
          duplicates: 0,
          pages: 2,
          bytes: 1000,
        },
      }),
    );
    await waitFor(() => expect(screen.getByTestId("live-run-stage")).toHaveTextContent("Done"));
    expect(screen.getByTestId("live-run-stage")).not.toHaveTextContent("Loading");
    expect(screen.queryByTestId("live-run-cancel")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("live-run-summary"));
    expect(await screen.findByTestId("page-run")).toBeInTheDocument();
  });

  it("cancels a live run", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/runs");
    act(() => applyRunEvent({ type: "started", runId: "r-live", entityId: "e1", entityName: "sites" }));
    await user.click(await screen.findByTestId("live-run-cancel"));
    await waitFor(() => expect(backend.calls).toContainEqual({ cmd: "runs_cancel", args: { runId: "r-live" } }));
  });
});
