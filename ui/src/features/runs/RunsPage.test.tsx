import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { RunFilter } from "@/bindings";
import { runs } from "@/dev/fixtures";
import { renderApp } from "@/test/renderApp";

describe("Runs", () => {
  it("shows the history with status badges, counters and a failed run's message", async () => {
    await renderApp("/runs");
    const rows = await screen.findAllByTestId("run-row");
    expect(rows).toHaveLength(runs.length);
    expect(within(rows[0]!).getByText("Running")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("In progress")).toBeInTheDocument();
    expect(screen.getByText("APISmith is unreachable: connection refused (after 5 attempts)")).toBeInTheDocument();
  });

  it("filters by status through runs_list and says when nothing matches", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/runs", {
      runs_list: (a) => ((a.filter as RunFilter).status === "cancelled" ? [] : runs),
    });
    await screen.findAllByTestId("run-row");
    await user.selectOptions(screen.getByTestId("runs-status-filter"), "cancelled");
    await waitFor(() =>
      expect(backend.calls.at(-1)).toEqual({
        cmd: "runs_list",
        args: { filter: { entityId: null, status: "cancelled", trigger: null, since: null, until: null, limit: 50 } },
      }),
    );
    expect(await screen.findByTestId("empty-state")).toHaveTextContent("No runs match these filters");
  });
});

describe("Runs history filters and cancel", () => {
  it("sends the trigger and date filters to runs_list, and clears them", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/runs");
    await screen.findAllByTestId("run-row");
    await user.selectOptions(screen.getByTestId("runs-trigger-filter"), "schedule");
    await user.type(screen.getByTestId("runs-since-filter"), "2025-05-01");
    await user.type(screen.getByTestId("runs-until-filter"), "2025-05-31");
    await waitFor(() =>
      expect(backend.calls.filter((c) => c.cmd === "runs_list").at(-1)?.args.filter).toEqual({
        entityId: null,
        status: null,
        trigger: "schedule",
        since: "2025-05-01",
        until: "2025-05-31",
        limit: 50,
      }),
    );
    await user.click(screen.getByTestId("runs-clear-filters"));
    // Back to the unfiltered history (served from the cache of the first call).
    expect(screen.getByTestId("runs-trigger-filter")).toHaveValue("");
    expect(screen.getByTestId("runs-since-filter")).toHaveValue("");
    await waitFor(() => expect(screen.getAllByTestId("run-row")).toHaveLength(runs.length));
  });

  it("offers Cancel only on running runs, and cancels through runs_cancel", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/runs");
    const rows = await screen.findAllByTestId("run-row");
    expect(screen.getAllByTestId("run-cancel")).toHaveLength(runs.filter((r) => r.status === "running").length);
    await user.click(within(rows[0]!).getByTestId("run-cancel"));
    await waitFor(() => expect(backend.calls).toContainEqual({ cmd: "runs_cancel", args: { runId: runs[0]!.id } }));
  });
});
