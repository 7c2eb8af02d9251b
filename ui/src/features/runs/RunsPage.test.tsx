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
        args: { filter: { entityId: null, status: "cancelled", limit: 50 } },
      }),
    );
    expect(await screen.findByTestId("empty-state")).toHaveTextContent("No runs match these filters");
  });
});
